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
  return (name: string) => {
    if (name === 'Client') return new ClientAdapter(registry);
    if (name === 'RefreshToken') return new RefreshTokenAdapter(storage, name, registry);
    return new ModelAdapter(storage, name);
  };
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

/**
 * Auth0's rotation overlap period (`refresh_token.leeway`, seconds, default 0): within it, the token just
 * rotated may be exchanged again without tripping reuse detection, and a new token is issued; only the
 * most recently rotated token of a family gets this grace. Outside it, reuse revokes the family. Which
 * token was rotated last is kept in memory: a restart ends the grace early, never extends it.
 */
class RefreshTokenAdapter extends ModelAdapter {
  readonly #registry: TenantRegistry;
  readonly #lastRotated = new Map<string, string>();

  constructor(storage: Storage, name: string, registry: TenantRegistry) {
    super(storage, name);
    this.#registry = registry;
  }

  override async find(id: string): Promise<AdapterPayload | undefined> {
    const payload = await super.find(id);
    if (payload && this.#inGrace(id, payload)) {
      const { consumed: _consumed, ...fresh } = payload;
      return fresh;
    }
    return payload;
  }

  override async consume(id: string): Promise<void> {
    const payload = await super.find(id);
    if (payload && this.#inGrace(id, payload)) return;
    await super.consume(id);
    if (typeof payload?.grantId === 'string') {
      this.#lastRotated.delete(payload.grantId);
      this.#lastRotated.set(payload.grantId, id);
      // Bounded: the oldest families lose their (seconds-long) grace first.
      if (this.#lastRotated.size > 10_000) this.#lastRotated.delete(this.#lastRotated.keys().next().value as string);
    }
  }

  #inGrace(id: string, payload: AdapterPayload): boolean {
    const consumed = payload.consumed;
    if (typeof consumed !== 'number' || typeof payload.grantId !== 'string') return false;
    if (this.#lastRotated.get(payload.grantId) !== id) return false;
    const leeway = this.#registry.client(String(payload.clientId))?.refresh_token.leeway ?? 0;
    return leeway > 0 && Date.now() / 1000 - consumed <= leeway;
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
