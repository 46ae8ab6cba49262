import type { Adapter, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { ModelStore, Storage } from '../storage/contract.ts';
import type { TenantRegistry } from '../tenant/registry.ts';
import { toClientMetadata } from './client-metadata.ts';

/**
 * oidc-provider's persistence adapter over the tenant's storage contract.
 *
 * - `Client` is served from the tenant registry, so clients declared in tenant.yaml (and, later, created
 *   through /api/v2) are looked up dynamically; oidc-provider caches them by a hash of their metadata.
 * - `consume` is the one place where single use is decided: the storage flips `consumed` atomically, and
 *   every loser of a race is treated exactly like a replay (the grant's tokens are revoked), so N parallel
 *   redemptions of one code or refresh token never yield two token sets.
 */
export function createAdapterFactory(storage: Storage, registry: TenantRegistry): (name: string) => Adapter {
  return (name: string) => (name === 'Client' ? new ClientAdapter(registry) : new ModelAdapter(storage, name));
}

class ModelAdapter implements Adapter {
  readonly #storage: Storage;
  readonly #store: ModelStore;

  constructor(storage: Storage, name: string) {
    this.#storage = storage;
    this.#store = storage.model(name);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.#store.upsert(id, payload as Record<string, unknown>, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await this.#store.find(id)) as AdapterPayload | undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return (await this.#store.findByUid(uid)) as AdapterPayload | undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return (await this.#store.findByUserCode(userCode)) as AdapterPayload | undefined;
  }

  async consume(id: string): Promise<void> {
    if (await this.#store.consume(id)) return;
    const payload = await this.#store.find(id);
    if (typeof payload?.grantId === 'string') await this.#storage.revokeGrant(payload.grantId);
    throw new errors.InvalidGrant('grant source already consumed');
  }

  async destroy(id: string): Promise<void> {
    await this.#store.destroy(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#store.revokeByGrantId(grantId);
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
