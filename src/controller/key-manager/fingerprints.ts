/**
 * SecretFingerprints remembers, per credentials Secret and keys, the adapter's fingerprint last
 * read (an identifier ONTAP itself shows, such as the AWS access key id: never a secret) and the
 * Secret version it came from, so an unchanged Secret need not be read to compare it with ONTAP.
 *
 * It is keyed by Secret, not by resource (resources sharing a Secret share one read), so nothing
 * forgets an entry by itself: the kind forgets a Secret once no resource references it any more
 * (the last one deleted, or edited to name another Secret). Kept for ever, every deleted resource
 * left one entry behind, some 170 bytes each (the soak benchmark: 119 of 322 entries at the end of
 * an hour were for resources deleted during it).
 */
import { objectKey } from '../../runtime/keys.js';

/** Fingerprint is what was read of a Secret: its version, and what ONTAP would show of it. */
export interface Fingerprint {
  readonly resourceVersion: string;
  readonly fingerprint: string;
}

/** SecretFingerprints: see the file comment. */
export class SecretFingerprints {
  /** bySecret maps namespace/name to the fingerprints read of it, by the keys read (joined). */
  private readonly bySecret = new Map<string, Map<string, Fingerprint>>();

  get(namespace: string, name: string, keys: readonly string[]): Fingerprint | undefined {
    return this.bySecret.get(objectKey(namespace, name))?.get(keys.join(','));
  }

  set(namespace: string, name: string, keys: readonly string[], fp: Fingerprint): void {
    const secret = objectKey(namespace, name);
    let byKeys = this.bySecret.get(secret);
    if (byKeys === undefined) this.bySecret.set(secret, (byKeys = new Map<string, Fingerprint>()));
    byKeys.set(keys.join(','), fp);
  }

  /** forget drops everything remembered of one Secret. */
  forget(namespace: string, name: string): void {
    this.bySecret.delete(objectKey(namespace, name));
  }

  /** size is how many Secrets are remembered. */
  get size(): number {
    return this.bySecret.size;
  }
}
