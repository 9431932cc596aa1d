/** Revoked Access Manager tokens, keyed by subscribe key and token signature. */
export interface Revocations {
  isRevoked(subKey: string, signature: Buffer): Promise<boolean>;
  /** `expiresAt` (unix seconds) lets expired entries be dropped. */
  revoke(subKey: string, signature: Buffer, expiresAt: number): Promise<void>;
}

/** For tests and throwaway nodes: revocations held in memory. */
export class MemoryRevocations implements Revocations {
  readonly #revoked = new Set<string>();

  async isRevoked(subKey: string, signature: Buffer): Promise<boolean> {
    return this.#revoked.has(`${subKey}\n${signature.toString('hex')}`);
  }

  async revoke(subKey: string, signature: Buffer, _expiresAt?: number): Promise<void> {
    this.#revoked.add(`${subKey}\n${signature.toString('hex')}`);
  }
}
