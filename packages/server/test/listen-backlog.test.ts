/**
 * The node's listening socket queues up to 4,096 connections before it accepts them, so that a
 * reconnect storm of long-polling subscribers (a node restarted, a balancer moving them) is not
 * reset: read from the kernel with `ss`, which shows a listening socket's backlog as its Send-Q.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { useServer } from '@roster/testing';
import { describe, expect, it } from 'vitest';
import { commandMissing } from './commands.ts';

const missing = commandMissing('ss', ['-V'], 'ss (iproute2) is not installed');

describe.skipIf(missing !== undefined)(`the listen backlog${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const server = useServer();

  it('queues as many connections as the kernel allows, up to 4,096', () => {
    const port = new URL(server.url).port;
    const [line] = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
      .trim()
      .split('\n');
    const backlog = Number(line?.trim().split(/\s+/)[2]);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(backlog).toBe(Math.min(4096, somaxconn));
  });
});
