import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A TCP proxy on a free loopback port in front of several nodes. */
export interface Balancer {
  port: number;
  /** Stops accepting connections and cuts the open ones. */
  close(): Promise<void>;
}

/**
 * Sends each new connection to the next of `ports` in turn, as a layer-4 load balancer in front of
 * a cluster does: the requests of one keep-alive connection reach one node, and a client's next
 * connection may reach another. A connection to a node that is down is closed, as a refused one.
 */
export async function startBalancer(ports: readonly number[]): Promise<Balancer> {
  let turn = 0;
  const open = new Set<Socket>();
  // Half-open both ways, as TCP is: a node that answered and ended its side (a 431 to a request
  // line still arriving) still reads what the client sends, and the client reads the answer
  // rather than a reset.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ port: ports[turn++ % ports.length]!, host: '127.0.0.1', allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      socket.setNoDelay(true);
    }
    client.pipe(upstream);
    upstream.pipe(client); // each side's end is passed on after what it sent
    client.once('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  // As the nodes (node.ts `LISTEN_BACKLOG`): thousands of long-polls may connect at once.
  await new Promise<void>((done) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, done));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        for (const socket of open) socket.destroy();
      }),
  };
}
