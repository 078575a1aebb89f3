// Every test file: no connection may leave 127.0.0.1 (Azure and GitHub are the emulator; there is no network).
// A connection elsewhere is refused before anything is sent, and fails the file.
import net from 'node:net';
import { afterAll, expect } from 'vitest';
import { destination, isLoopbackHost, type OutboundAttempt } from '../../emulator/src/loopbackGuard.js';

const refused: OutboundAttempt[] = [];
const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
  const target = destination(args);
  if (target && !isLoopbackHost(target.host)) {
    refused.push(target);
    throw new Error(`test tried to connect to ${target.host}:${target.port}; tests may only reach 127.0.0.1`);
  }
  return original.apply(this, args as Parameters<net.Socket['connect']>);
} as net.Socket['connect'];

afterAll(() => {
  net.Socket.prototype.connect = original;
  expect(refused, 'connections refused because they would have left the loopback interface').toEqual([]);
});
