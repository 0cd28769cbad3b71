/**
 * Subresource Integrity for the catalog file, checked with WebCrypto.
 *
 * The browser's own `fetch(url, { integrity })` would check it too, but only after the whole
 * body is buffered inside fetch, which hides download progress; and a catalog served from
 * the Cache API must be re-checked anyway. So we hash the bytes ourselves, with the same
 * rules as SRI: the strongest algorithm listed wins, and any digest of it may match.
 */

const ALGORITHMS = {
  sha256: { name: 'SHA-256', strength: 1 },
  sha384: { name: 'SHA-384', strength: 2 },
  sha512: { name: 'SHA-512', strength: 3 },
};

/** Raised when the catalog's bytes do not match `integrity`: nothing is loaded. */
export class IntegrityError extends Error {
  constructor(message) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/**
 * Parses an SRI string ("sha384-BASE64 sha512-BASE64"). Unknown algorithms are ignored, as
 * SRI does; but a string with no usable digest at all is a mistake in the page, not "no
 * check", so it throws.
 * @param {string} integrity
 * @returns {{algorithm: string, digest: string}[]} the digests of the strongest algorithm
 */
export function parseIntegrity(integrity) {
  const entries = String(integrity)
    .trim()
    .split(/\s+/)
    .map((token) => {
      const match = /^(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})(\?.*)?$/.exec(token);
      return match && { algorithm: match[1], digest: normalizeBase64(match[2]) };
    })
    .filter(Boolean);
  if (entries.length === 0) {
    throw new TypeError(
      `integrity ${JSON.stringify(integrity)} has no sha256-, sha384- or sha512- digest`,
    );
  }
  const strongest = Math.max(...entries.map((e) => ALGORITHMS[e.algorithm].strength));
  return entries.filter((e) => ALGORITHMS[e.algorithm].strength === strongest);
}

/** SRI allows base64url too; compare in one alphabet. */
function normalizeBase64(text) {
  return text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
}

/**
 * Throws an IntegrityError unless `bytes` match one of the strongest digests in `integrity`.
 * @param {ArrayBuffer} bytes
 * @param {string} integrity
 * @param {string} what  names the resource in the error
 */
export async function checkIntegrity(bytes, integrity, what) {
  const expected = parseIntegrity(integrity);
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    // crypto.subtle exists only in secure contexts (https, localhost).
    throw new IntegrityError(
      `cannot check the integrity of ${what}: WebCrypto is unavailable (is the page served over https?)`,
    );
  }
  const { algorithm } = expected[0];
  const digest = await subtle.digest(ALGORITHMS[algorithm].name, bytes);
  const actual = normalizeBase64(toBase64(new Uint8Array(digest)));
  if (!expected.some((e) => e.digest === actual)) {
    throw new IntegrityError(
      `${what} failed its integrity check: expected ${algorithm}-${expected[0].digest}=, ` +
        `got ${algorithm}-${actual}= (the file changed or was tampered with; nothing was loaded)`,
    );
  }
}

function toBase64(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
