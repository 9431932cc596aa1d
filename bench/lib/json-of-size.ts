/** A JSON object of exactly `size` bytes (at least the bytes of its empty shape). */
export function jsonOfSize(size: number): Buffer {
  const shape = (pad: string) => `{"status":200,"data":{"id":"baseline","pad":"${pad}"}}`;
  return Buffer.from(shape('x'.repeat(Math.max(0, size - shape('').length))));
}
