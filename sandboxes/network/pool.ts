// Kept-alive HTTP connections over the sandbox network: an http.Agent whose connections the caller opens through
// net.ts (the balancer's pool of server connections, as HAProxy keeps idle ones for reuse).
//
// A partition reaches the pool too. A connection left idle across a link that is then cut is dead when taken up
// again, as TCP's keep-alive probes find it: the request fails at once, before anything is sent, as a connection
// failure (ECONNRESET), so the client's retry rule applies and the next attempt opens a new connection, which meets
// the partition at connect time.
import http from 'node:http';
import type net from 'node:net';
import { isLinkCut, myAddress } from './net';

export class ConnectionPool extends http.Agent {
  constructor(
    private readonly open: () => net.Socket,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(): net.Socket {
    return this.open();
  }

  override reuseSocket(socket: net.Socket, request: http.ClientRequest): void {
    super.reuseSocket(socket, request);
    if (!isLinkCut(myAddress(), socket.remoteAddress ?? '')) return;
    socket.destroy();
    // Destroyed before the request takes the socket, so the error is the request's own.
    request.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  }
}
