import type { Permission } from '@authmesh/server';
import { TestingError } from './errors.ts';

/** A user a test adds: roles by name, permissions as tenant.yaml writes them. */
export interface TestUser {
  email: string;
  password: string;
  name?: string;
  roles?: string[];
  permissions?: Permission[];
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
}

/** What a test changes on a user: `roles` and `permissions` replace the user's, so do the metadata objects. */
export type UserChange = Partial<Omit<TestUser, 'email' | 'password'>>;

/** The client of a test-mode tenant's control API (`/__authmesh/test/`), authorised by the per-run token. */
export class TestControl {
  readonly #issuer: string;
  readonly #token: string;

  constructor(issuer: string, token: string) {
    this.#issuer = issuer;
    this.#token = token;
  }

  createUser(user: TestUser): Promise<{ user_id: string; email: string }> {
    return this.#call('POST', 'users', user);
  }

  updateUser(email: string, change: UserChange): Promise<{ user_id: string; email: string }> {
    return this.#call('PATCH', 'users', { ...change, email });
  }

  async reset(): Promise<{ email: string; user_id: string }[]> {
    return (await this.#call<{ users: { email: string; user_id: string }[] }>('POST', 'reset', {})).users;
  }

  async #call<T>(method: string, route: string, body: unknown): Promise<T> {
    const response = await fetch(new URL(`__authmesh/test/${route}`, this.#issuer), {
      method,
      headers: { authorization: `Bearer ${this.#token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as T & { error_description?: string };
    if (!response.ok) {
      throw new TestingError(
        'ERR_TESTING_CONTROL',
        `${method} ${route}: ${response.status} ${answer.error_description ?? ''}`,
      );
    }
    return answer;
  }
}
