import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { ModelStore, Storage } from '../storage/contract.ts';
import type { TenantRegistry } from '../tenant/registry.ts';
import { hidesIds, storageKey, withId, withoutId } from './bearer-ids.ts';
import { toClientMetadata } from './client-metadata.ts';

/**
 * oidc-provider's persistence adapter over the tenant's storage contract.
 *
 * - `Client` is served from the tenant registry, so clients declared in tenant.yaml (and, later, created
 *   through /api/v2) are looked up dynamically; oidc-provider caches them by a hash of their metadata.
 * - bearer values (codes, tokens, session and interaction ids) are stored under a hash of the id and taken
 *   out of the payload (`bearer-ids.ts`): a copy of the database redeems nothing;
 * - `consume` is the one place where single use is decided: the storage flips `consumed` atomically, and
 *   every loser of a race is treated exactly like a replay (the grant's tokens are revoked), so N parallel
 *   redemptions of one code or refresh token never yield two token sets.
 */
export function createAdapterFactory(storage: Storage, registry: TenantRegistry): (name: string) => Adapter {
  return (name: string) => {
    if (name === 'Client') return new ClientAdapter(registry);
    return new ModelAdapter(storage, name);
  };
}

class ModelAdapter implements Adapter {
  readonly #storage: Storage;
  readonly #store: ModelStore;
  readonly #name: string;
  readonly #hidden: boolean;

  constructor(storage: Storage, name: string) {
    this.#storage = storage;
    this.#store = storage.model(name);
    this.#name = name;
    this.#hidden = hidesIds(name);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const record = payload as Record<string, unknown>;
    await this.#store.upsert(this.#key(id), this.#hidden ? withoutId(this.#name, id, record) : record, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const stored = await this.#store.find(this.#key(id));
    if (stored === undefined || !this.#hidden) return stored as AdapterPayload | undefined;
    return withId(stored, id) as AdapterPayload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const stored = await this.#store.findByUid(uid);
    if (stored === undefined || !this.#hidden) return stored as AdapterPayload | undefined;
    return withId(stored, undefined) as AdapterPayload;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    // The device flow is disabled: no record has a user code.
    const stored = await this.#store.findByUserCode(userCode);
    if (stored === undefined || !this.#hidden) return stored as AdapterPayload | undefined;
    return withId(stored, undefined) as AdapterPayload;
  }

  async consume(id: string): Promise<void> {
    const key = this.#key(id);
    if (await this.#store.consume(key)) return;
    const payload = await this.#store.find(key);
    if (typeof payload?.grantId === 'string') await this.#storage.revokeGrant(payload.grantId);
    throw new errors.InvalidGrant('grant source already consumed');
  }

  async destroy(id: string): Promise<void> {
    await this.#store.destroy(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#store.revokeByGrantId(grantId);
  }

  #key(id: string): string {
    return this.#hidden ? storageKey(id) : id;
  }
}

/** Read-only: clients are written by tenant seeding (and the Management API), never by the engine. */
class ClientAdapter implements Adapter {
  readonly #registry: TenantRegistry;

  constructor(registry: TenantRegistry) {
    this.#registry = registry;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const client = this.#registry.client(id);
    return client ? (toClientMetadata(client) as AdapterPayload) : undefined;
  }

  async upsert(): Promise<void> {
    throw new Error('clients are managed by the tenant, not by the engine');
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}
