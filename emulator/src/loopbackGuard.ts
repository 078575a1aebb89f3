// Watches (in this process) or blocks (in Azurite's process) every TCP connection that is not to loopback.

import net from 'node:net';

export interface OutboundAttempt {
  host: string;
  port: number | undefined;
}

const loopback = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);

export const isLoopbackHost = (host: string): boolean => loopback.has(host.replace(/^\[|\]$/g, ''));

type ConnectArgs = Parameters<net.Socket['connect']>;

/** Where a `Socket#connect` call goes; undefined for a Unix socket or pipe. */
export function destination(args: unknown[]): OutboundAttempt | undefined {
  // Node passes its normalised arguments as [options, callback] inside an array.
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const opts = first as { host?: string; port?: number | string; path?: string | null };
    if (opts.path) return undefined; // http passes path: null for TCP
    return { host: opts.host ?? 'localhost', port: opts.port === undefined ? undefined : Number(opts.port) };
  }
  if (typeof first === 'string' && Number.isNaN(Number(first))) return undefined;
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first) };
}

/**
 * Records every TCP connection this process opens (HTTP, HTTPS, fetch/undici all go through `net.Socket#connect`).
 * Returns the list, which keeps filling until `stop()`.
 */
export function watchOutboundConnections(): { attempts: OutboundAttempt[]; nonLoopback: () => OutboundAttempt[]; stop: () => void } {
  const attempts: OutboundAttempt[] = [];
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
    const target = destination(args);
    if (target) attempts.push(target);
    return original.apply(this, args as ConnectArgs);
  } as net.Socket['connect'];
  return {
    attempts,
    nonLoopback: () => attempts.filter((a) => !isLoopbackHost(a.host)),
    stop: () => {
      net.Socket.prototype.connect = original;
    },
  };
}

/** Marker the guard writes to stderr for each blocked attempt. */
export const blockedMarker = 'AMLFT_EMULATOR_BLOCKED_OUTBOUND';

/**
 * CommonJS preloaded into Azurite (`node --require`): refuses any non-loopback connection, reports it on stderr,
 * and exits when the emulator's IPC channel closes so Azurite never outlives the emulator.
 */
export const azuriteGuardSource = `'use strict';
const net = require('node:net');
const allowed = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);
const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host = 'localhost';
  let port;
  if (first && typeof first === 'object') {
    if (first.path) return original.apply(this, args);
    host = first.host || 'localhost';
    port = first.port;
  } else {
    port = first;
    if (typeof args[1] === 'string') host = args[1];
  }
  if (!allowed.has(String(host).replace(/^\\[|\\]$/g, ''))) {
    process.stderr.write('${blockedMarker} ' + host + ':' + port + '\\n');
    const socket = this;
    process.nextTick(() => socket.destroy(new Error('amlft emulator: connection to ' + host + ' blocked (loopback only)')));
    return socket;
  }
  return original.apply(this, args);
};
process.on('disconnect', () => process.exit(0));
`;
