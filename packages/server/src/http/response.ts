import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { SERVER_HEADER } from '../version.ts';

/** What every answer carries: the server and its version, and CORS letting any origin read it. */
const EVERY_ANSWER: readonly { name: string; lower: string; value: string }[] = [
  { name: 'Server', lower: 'server', value: SERVER_HEADER },
  { name: 'Access-Control-Allow-Origin', lower: 'access-control-allow-origin', value: '*' },
  { name: 'Access-Control-Expose-Headers', lower: 'access-control-expose-headers', value: '*' },
];

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;

/** Adds those of `EVERY_ANSWER` that neither `headers` nor `response` has. */
function addMissing(response: ServerResponse, headers: OutgoingHttpHeaders): void {
  for (let index = 0; index < EVERY_ANSWER.length; index++) {
    const { name, lower, value } = EVERY_ANSWER[index]!;
    if (headers[lower] === undefined && headers[name] === undefined && !response.hasHeader(lower)) headers[name] = value;
  }
}

/** Sets those of `EVERY_ANSWER` that `response` has not. */
function setMissing(response: ServerResponse): void {
  for (let index = 0; index < EVERY_ANSWER.length; index++) {
    const { name, lower, value } = EVERY_ANSWER[index]!;
    if (!response.hasHeader(lower)) response.setHeader(name, value);
  }
}

/**
 * The node's responses: every answer, whoever writes it (a route, Fastify's own errors, the
 * router's refusals, a static file), gets the `EVERY_ANSWER` headers unless it set them itself
 * (the CORS preflight sets its own). They are added to the headers the answer is written with
 * (Fastify passes its reply's headers to `writeHead`), not set beforehand with `setHeader`: a
 * response with no header set before `writeHead` has no header map of its own, and Node builds
 * its header block straight from that one object (about 0.9 KB less garbage per request). No
 * fields or private methods: either would grow every response object.
 */
export class RosterResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  override writeHead(statusCode: number, reason?: string | Headers, headers?: Headers): this {
    const given = typeof reason === 'string' ? headers : reason;
    // A frozen or sealed object (a caller's constant) is left as it is: the headers are set apart.
    if (given === undefined || Array.isArray(given) || !Object.isExtensible(given)) setMissing(this);
    else addMissing(this, given);
    const written = typeof reason === 'string' ? super.writeHead(statusCode, reason, given) : super.writeHead(statusCode, given);
    if ((this as unknown as NodeInternals)._last && this.req.complete === false) readOnAfterAnswer(this.req, this.socket);
    return written;
  }
}

/** Node's own mark, set as the head is written, that the connection closes after this answer (`Connection: close`). */
interface NodeInternals {
  _last?: boolean;
}

/** How long a connection closed before its request came whole is still read, what comes dropped, before it is destroyed, in ms. */
export const LINGER_MS = 2000;

/**
 * An answer that closes the connection while the request's body is still arriving (a body
 * refused as too large or malformed midway): Node would destroy the socket once the answer is
 * sent, and the client's next bytes would meet a reset that can discard the answer before the
 * client reads it. Instead the node sends its FIN after the answer and goes on reading, and
 * dropping, what arrives for `LINGER_MS`, so the client reads the answer and stops.
 */
function readOnAfterAnswer(request: IncomingMessage, socket: Socket | null): void {
  if (!socket) return;
  request.resume();
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

/**
 * `Expect: 100-continue` (curl sends it with larger bodies): Node would send `100 Continue` as
 * soon as the head is parsed, and the client would upload a body its route then refuses (too
 * large, a bad signature). Instead the 100 goes when something first reads the body, so a refusal
 * goes out alone and the client sends nothing more (Node closes the connection after a final
 * answer sent without the 100). Called from the server's `checkContinue` event, in place of Node's.
 */
export function continueWhenRead(request: IncomingMessage, response: ServerResponse): void {
  const read = request._read;
  request._read = function (this: IncomingMessage, size: number) {
    request._read = read;
    if (!response.headersSent) response.writeContinue();
    read.call(this, size);
  };
}

/**
 * The response class of one server, and the switch that closes its connections: from `close()`
 * on (shutdown) every answer says `Connection: close` and its connection ends once it is sent,
 * so a client sends its next request on a new connection (to another node, behind a balancer)
 * rather than into one the node is about to close. The switch is a variable of the class's own
 * scope, not a field: responses stay as small as `RosterResponse`'s.
 */
export function closableResponses(): { Response: typeof RosterResponse; close: () => void } {
  let closing = false;
  class ClosableResponse<Request extends IncomingMessage = IncomingMessage> extends RosterResponse<Request> {
    override writeHead(statusCode: number, reason?: string | Headers, headers?: Headers): this {
      if (closing) this.shouldKeepAlive = false;
      return super.writeHead(statusCode, reason, headers);
    }
  }
  return {
    Response: ClosableResponse,
    close: () => {
      closing = true;
    },
  };
}
