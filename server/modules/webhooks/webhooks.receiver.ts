/**
 * A webhook receiver on 127.0.0.1 for tests and browser journeys: it verifies each signature with
 * the same function receivers are told to use, records what it got, and can be told to fail, to
 * leave requests unanswered (as a receiver does whose sender dies mid-request), or go away (close
 * its port) and come back on the same port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from './signature.ts';

export type Received = {
  deliveryId: string;
  event: string;
  body: { id: string; type: string; occurredAt: string; data: unknown };
  raw: string;
  verified: boolean;
  reason: string | null;
};

export async function startReceiver(options: { secret?: () => string | undefined; now?: () => number } = {}) {
  const received: Received[] = [];
  /** Requests left unanswered on purpose (see hold): their delivery ids. */
  const held: string[] = [];
  let holding = 0;
  let answer = 200;
  let server: Server | undefined;
  let port = 0;

  async function listen(): Promise<void> {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (holding > 0) {
          holding--;
          held.push(String(req.headers['leadloop-delivery'] ?? ''));
          return; // no answer: the sender waits until it times out or goes away
        }
        if (answer >= 200 && answer < 300) {
          const secret = options.secret?.();
          const check = secret
            ? verifySignature({
                header: req.headers['leadloop-signature'] as string | undefined,
                body: raw,
                secret,
                nowMs: options.now?.() ?? Date.now(),
              })
            : { ok: false as const, reason: 'no secret known' };
          let body: Received['body'];
          try {
            body = JSON.parse(raw);
          } catch {
            body = { id: '', type: '', occurredAt: '', data: null };
          }
          received.push({
            deliveryId: String(req.headers['leadloop-delivery'] ?? ''),
            event: String(req.headers['leadloop-event'] ?? ''),
            body,
            raw,
            verified: check.ok,
            reason: check.ok ? null : check.reason,
          });
          // A receiver that cannot verify answers 401, so the sender sees it as a failure.
          res.statusCode = check.ok ? 200 : 401;
          res.end(check.ok ? 'ok' : check.reason);
          return;
        }
        res.statusCode = answer;
        res.end('unavailable');
      });
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as AddressInfo).port;
  }

  await listen();
  return {
    received,
    held,
    get url() {
      return `http://127.0.0.1:${port}/hooks`;
    },
    /** Leave the next `n` requests unanswered (they are not counted as received). */
    hold(n = 1) {
      holding += n;
    },
    /** Answer this status to every request from now on (200 = accept and verify). */
    answer(status: number) {
      answer = status;
    },
    /** Closes the port: senders get connection refused. */
    async down() {
      const s = server;
      server = undefined;
      if (s) {
        const closed = new Promise<void>((r) => s.close(() => r()));
        s.closeAllConnections();
        await closed;
      }
    },
    /** Listens again on the same port. */
    async up() {
      if (!server) await listen();
    },
    async close() {
      await this.down();
    },
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
