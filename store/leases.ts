/**
 * Leases: "one at a time" across processes sharing one database. A lease is a row naming its
 * holder (host, pid and a random part unique to this process life) and when it expires. The
 * holder renews it while it works; anyone may take it over once it has expired, or at once when
 * its holder is a process on this host that no longer exists (a kill -9). A live holder's
 * lease is never taken, so no process marks another live process's work as interrupted.
 *
 * Every change is one BEGIN IMMEDIATE transaction, so two processes racing for a free lease
 * serialise on SQLite's write lock and exactly one wins.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from './db.js';

export interface Lease {
  name: string;
  holder: string;
  host: string;
  pid: number;
  acquiredAt: string;
  expiresAt: string;
}

const HOST = hostname();
/** This process life's holder id. */
export const THIS_HOLDER = `${HOST}:${process.pid}:${randomBytes(4).toString('hex')}`;

/** Does a process with this pid exist on this host? (EPERM: it exists, owned by someone else.) */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const onThisHost = (holder: string | null): boolean => holder !== null && holder.split(':')[0] === HOST;

/** Is this holder (as written in a lease or a claimed row) certainly gone? */
export function holderGone(holder: string | null): boolean {
  if (!holder) return true;
  const [host, pid] = holder.split(':');
  if (host !== HOST || pid === undefined) return false;
  if (Number(pid) === process.pid) return holder !== THIS_HOLDER;
  return !pidAlive(Number(pid));
}

/**
 * Runs a small write only if the database is free right now: a timer's renewal must never wait
 * out the busy timeout synchronously (that would freeze the event loop while, say, a worker
 * thread rebuilds the report tables). Returns undefined when the database was busy.
 */
export function ifNotBusy<T>(db: Db, fn: () => T): T | undefined {
  const before = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    return fn();
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw err;
  } finally {
    db.pragma(`busy_timeout = ${before}`);
  }
}

const COLS = 'name, holder, host, pid, acquired_at AS acquiredAt, expires_at AS expiresAt';

export function getLease(db: Db, name: string): Lease | null {
  return (db.prepare(`SELECT ${COLS} FROM leases WHERE name = ?`).get(name) as Lease | undefined) ?? null;
}

/** Can `lease` be taken over at `now` (expired, or its holder is a dead process here)? */
export function leaseStale(lease: Lease, now: Date): boolean {
  return Date.parse(lease.expiresAt) <= now.getTime() || holderGone(lease.holder);
}

export type AcquireResult = { acquired: true; takenOver: Lease | null } | { acquired: false; heldBy: Lease };

/**
 * Takes `name` for `ttlMs` if it is free, stale, or already ours. Returns who holds it otherwise.
 */
export function tryAcquireLease(db: Db, name: string, ttlMs: number, now: Date = new Date(), holder = THIS_HOLDER): AcquireResult {
  return db
    .transaction((): AcquireResult => {
      const cur = getLease(db, name);
      if (cur && cur.holder !== holder && !leaseStale(cur, now)) return { acquired: false, heldBy: cur };
      const [, pid] = holder.split(':');
      db.prepare(
        `INSERT INTO leases (name, holder, host, pid, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, host = excluded.host, pid = excluded.pid,
           acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
           expires_at = excluded.expires_at`,
      ).run(name, holder, HOST, Number(pid) || process.pid, now.toISOString(), new Date(now.getTime() + ttlMs).toISOString());
      return { acquired: true, takenOver: cur && cur.holder !== holder ? cur : null };
    })
    .immediate();
}

/** Extends our lease; false when it is no longer ours (taken over after expiring). */
export function renewLease(db: Db, name: string, ttlMs: number, now: Date = new Date(), holder = THIS_HOLDER): boolean {
  return (
    db.prepare('UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?').run(new Date(now.getTime() + ttlMs).toISOString(), name, holder).changes === 1
  );
}

export function releaseLease(db: Db, name: string, holder = THIS_HOLDER): void {
  db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
}

export interface HeldLease {
  name: string;
  /** Stops renewing and deletes the lease. */
  release(): void;
}

export interface HoldOptions {
  /** How long a lease lasts without renewal (default 60 s). */
  ttlMs?: number;
  /** How long to wait for a lease someone else holds; 0 = do not wait (default). */
  waitMs?: number;
  /** Called once when we start waiting (to say who holds it, since when). */
  onWait?: (heldBy: Lease) => void;
  /** Called when a stale lease was taken over. */
  onTakeover?: (was: Lease) => void;
  /** Between tries while waiting (default 200 ms, growing to 1 s). */
  pollMs?: number;
}

export const DEFAULT_LEASE_TTL_MS = 60_000;

const localHolds = new Map<string, Promise<void>>();
const localLease = (name: string): Lease => {
  const at = new Date().toISOString();
  return { name, holder: THIS_HOLDER, host: HOST, pid: process.pid, acquiredAt: at, expiresAt: at };
};

/**
 * Acquires `name` (waiting up to waitMs), renews it every ttl/3 until released. Resolves to the
 * held lease, or to the current holder when it could not be had in time.
 */
export async function holdLease(db: Db, name: string, opts: HoldOptions = {}): Promise<HeldLease | { heldBy: Lease }> {
  const ttl = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const deadline = Date.now() + (opts.waitMs ?? 0);
  // Within this process the holder id is the same for every caller: queue them here first.
  const key = `${db.name}\u0000${name}`;
  const before = localHolds.get(key);
  if (before) {
    const cur = getLease(db, name);
    if (opts.waitMs === undefined || opts.waitMs <= 0) return { heldBy: cur ?? localLease(name) };
    if (cur) opts.onWait?.(cur);
    const inTime = await Promise.race([before.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), Math.max(0, deadline - Date.now())).unref())]);
    if (!inTime) return { heldBy: getLease(db, name) ?? localLease(name) };
    return holdLease(db, name, { ...opts, waitMs: Math.max(1, deadline - Date.now()) });
  }
  let releaseLocal: () => void = () => undefined;
  localHolds.set(key, new Promise<void>((res) => (releaseLocal = res)));
  const dropLocal = () => {
    localHolds.delete(key);
    releaseLocal();
  };
  let poll = opts.pollMs ?? 200;
  let told = false;
  for (;;) {
    let r: AcquireResult;
    try {
      r = tryAcquireLease(db, name, ttl);
    } catch (err) {
      dropLocal();
      throw err;
    }
    if (r.acquired) {
      if (r.takenOver) opts.onTakeover?.(r.takenOver);
      const timer = setInterval(() => {
        try {
          ifNotBusy(db, () => renewLease(db, name, ttl));
        } catch {
          // Busy beyond the timeout or closed: the next renewal tries again; the lease outlives one miss.
        }
      }, Math.max(1000, Math.floor(ttl / 3)));
      timer.unref();
      return {
        name,
        release() {
          dropLocal();
          clearInterval(timer);
          try {
            releaseLease(db, name);
          } catch {
            // A closed database: the lease expires on its own.
          }
        },
      };
    }
    if (Date.now() >= deadline) {
      dropLocal();
      return { heldBy: r.heldBy };
    }
    if (!told) {
      told = true;
      opts.onWait?.(r.heldBy);
    }
    await new Promise((res) => setTimeout(res, Math.min(poll, Math.max(1, deadline - Date.now()))));
    poll = Math.min(1000, Math.round(poll * 1.5));
  }
}

export const isHeld = (r: HeldLease | { heldBy: Lease }): r is HeldLease => 'release' in r;
