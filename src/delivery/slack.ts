/**
 * The one door to Slack's Web API (chat.*, files.*, views.*, users.*, conversations.*) and to
 * slash commands' response_url, for slash commands and scheduled jobs alike. Views and charts
 * hand it data; it posts, uploads, threads, updates, opens modals, and knows Slack's limits as
 * named constants. docs/slack-delivery.md describes its API for other features.
 *
 * - One Web API client for the bot token: in `dealcast start` it is Bolt's own `app.client`
 *   (built with `slackClientOptions`), shared by commands and jobs. (Socket Mode's
 *   apps.connections.open uses the app-level token: src/delivery/socket-mode.ts.)
 * - Rate limits are scoped the way Slack scopes them. The client never waits on a 429 itself
 *   (`rejectRateLimitedCalls`: the WebClient's own handling pauses its whole queue, so one 429
 *   would stall every call); instead a Retry-After blocks only its scope: the channel for
 *   messages and uploads (chat.postMessage, chat.update, files.completeUploadExternal), the
 *   method for everything else (Slack counts per method tier). views.open never waits behind
 *   anything (its trigger_id lives 3 s).
 * - Everything posted into one channel goes through one per-channel queue (ChannelQueue): in
 *   order, about one message per second per channel, a 429 waited out and sent again.
 * - 5xx and network errors retry a bounded number of times with backoff (SLACK_RETRY, inside
 *   the WebClient); platform errors (`{ok:false}`) never retry.
 * - Charts are uploaded in Slack's three steps (files.getUploadURLExternal with `alt_txt` ->
 *   POST the bytes -> files.completeUploadExternal); files.upload is retired.
 */
import { webApi, type LogLevel, type Logger, type types } from '@slack/bolt';
import { DealcastError } from '../errors.js';
import { systemClock, type Clock } from '../sync/rate-limiter.js';
import { ChannelQueue, RateLimitScopes } from './channel-queue.js';
import { RateLimitedError, type Block, type ChartPng, type Messenger, type MessageContent } from './messenger.js';

export type { MessageContent } from './messenger.js';

type View = types.View;
type WebClient = webApi.WebClient;

/** Slack's limits (docs.slack.dev/reference/block-kit; method pages). */
export const SLACK_LIMITS = {
  /** Blocks in one message. */
  blocksPerMessage: 50,
  /** Blocks in a modal or Home tab. */
  blocksPerView: 100,
  /** Characters in a section block's text. */
  sectionTextChars: 3000,
  /** Fields in a section block, and characters in each. */
  sectionFields: 10,
  sectionFieldChars: 2000,
  /** Characters in a header block (plain_text only). */
  headerChars: 150,
  /** Elements in a context block. */
  contextElements: 10,
  /** Characters of alt text for an uploaded file (files.getUploadURLExternal alt_txt). */
  uploadAltTextChars: 1000,
  /** Characters of a message's top-level text before Slack truncates it. */
  messageTextChars: 40_000,
  /** Characters in a modal's title, submit and close labels. */
  viewTitleChars: 24,
  /** Characters of private_metadata in a view. */
  viewPrivateMetadataChars: 3000,
  /** block_id length. */
  blockIdChars: 255,
  /** Replies a slash command's response_url accepts, and for how long. */
  responseUrlReplies: 5,
  responseUrlLifetimeMs: 30 * 60 * 1000,
  /**
   * Total characters of text across a message's blocks that Slack accepts in practice
   * (msg_blocks_too_long seen at ~13k; slackapi/bolt-js#2509). Builders stay under it.
   */
  messageBlocksTextChars: 12_000,
} as const;

/** chat.postMessage: about one message per second per channel. */
export const POST_INTERVAL_MS_PER_CHANNEL = 1000;

/**
 * Retry budget for 5xx and network failures of one Web API call; explicit, never the library's
 * 10-retries-over-30-minutes default. (429s are not retried by the client: see the header.)
 */
export const SLACK_RETRY: webApi.RetryOptions = { retries: 4, factor: 2, minTimeout: 1000, maxTimeout: 20_000, randomize: true };

/** Timeout for one Web API or response_url request. */
export const SLACK_REQUEST_TIMEOUT_MS = 15_000;

/** Longest a non-posting call waits on its method's Retry-After before failing (ms). */
export const SLACK_MAX_METHOD_WAIT_MS = 60_000;

/**
 * Slack's rate-limit tier of each method dealcast calls (docs.slack.dev/reference/methods/…):
 * Tier 2 ~20/min, Tier 3 ~50/min, Tier 4 ~100/min; chat.postMessage is "special": about one
 * per second per channel. A 429 blocks its method (or channel) only.
 */
export const METHOD_TIERS: Record<string, 'special' | 1 | 2 | 3 | 4> = {
  'auth.test': 'special',
  'chat.postMessage': 'special',
  'chat.postEphemeral': 4,
  'chat.update': 3,
  'conversations.info': 3,
  'conversations.open': 3,
  'files.getUploadURLExternal': 4,
  'files.completeUploadExternal': 4,
  'users.info': 4,
  'users.lookupByEmail': 3,
  'views.open': 4,
  'views.update': 4,
  'apps.connections.open': 1,
};

/** The WebClient options every Slack client of dealcast uses (Bolt's included). */
export function slackClientOptions(o: { apiUrl: string; retry?: webApi.RetryOptions; requestTimeoutMs?: number; logger?: Logger; logLevel?: LogLevel }): webApi.WebClientOptions {
  return {
    slackApiUrl: o.apiUrl,
    retryConfig: o.retry ?? SLACK_RETRY,
    timeout: o.requestTimeoutMs ?? SLACK_REQUEST_TIMEOUT_MS,
    // A 429 surfaces at once; SlackDelivery blocks only the channel or method it concerns.
    rejectRateLimitedCalls: true,
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.logLevel ? { logLevel: o.logLevel } : {}),
  };
}

/** Slack errors that mean "the bot cannot post in this conversation". */
const NOT_IN_CHANNEL_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'cannot_dm_bot']);

/** A Web API call failed; `slackError` is Slack's error string (`not_in_channel`, `invalid_auth` …). */
export class SlackApiError extends DealcastError {
  readonly method: string;
  readonly slackError: string;
  /** For `ratelimited`: how long Slack asked us to wait (ms). */
  readonly retryAfterMs?: number;
  constructor(method: string, slackError: string, hint?: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super('slack_api', `Slack answered ${method} with ${slackError}.`, hint ?? hintFor(slackError), options);
    this.method = method;
    this.slackError = slackError;
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

function hintFor(slackError: string): string | undefined {
  switch (slackError) {
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'account_inactive':
      return 'Check SLACK_BOT_TOKEN (xoxb-…): reinstall the app to the workspace and copy the Bot User OAuth Token.';
    case 'missing_scope':
      return 'The app lacks a scope it needs: update it from manifest.yml and reinstall it to the workspace.';
    case 'not_in_channel':
    case 'channel_not_found':
      return 'Invite the bot to the channel with /invite @dealcast.';
    case 'ratelimited':
      return 'Slack is rate limiting the app; try again in a minute.';
    default:
      return undefined;
  }
}

/** Slack's error string for anything the WebClient throws. */
export function slackErrorOf(err: unknown): string {
  if (err instanceof SlackApiError) return err.slackError;
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number; message?: string };
  switch (e?.code) {
    case webApi.ErrorCode.PlatformError:
      return e.data?.error ?? 'unknown_error';
    case webApi.ErrorCode.RateLimitedError:
      return 'ratelimited';
    case webApi.ErrorCode.HTTPError:
      return `http_${e.statusCode ?? 'error'}`;
    case webApi.ErrorCode.RequestError:
      return 'request_failed';
    default:
      return 'unknown_error';
  }
}

export function isNotInChannel(err: unknown): boolean {
  return NOT_IN_CHANNEL_ERRORS.has(slackErrorOf(err));
}

export interface SlackDeliveryOptions {
  /** The Web API client to use (Bolt's `app.client`); built from token + apiUrl when absent. */
  client?: WebClient;
  token?: string;
  /** SLACK_API_URL (needed without `client`). */
  apiUrl?: string;
  retry?: webApi.RetryOptions;
  /** Spacing between messages into one channel; 0 turns pacing off (tests). */
  postIntervalMs?: number;
  /** 429 retries of one message before giving up (default 8). */
  maxRateLimitRetries?: number;
  /** Longest wait on a method's Retry-After before failing (default SLACK_MAX_METHOD_WAIT_MS). */
  maxMethodWaitMs?: number;
  requestTimeoutMs?: number;
  /** A Bolt/WebClient logger (already redacting secrets). */
  logger?: Logger;
  logLevel?: LogLevel;
  /** One line per notable event (failures, fallbacks). */
  log?: (line: string) => void;
  /** Time for pacing and rate-limit waits (tests inject a virtual clock). */
  clock?: Clock;
}

/** Who asked, and where: enough to answer a slash command or interaction. */
export interface ReplyTarget {
  channelId: string;
  userId: string;
  /** The command's response_url (ephemeral replies work even where the bot is not a member). */
  responseUrl?: string;
}

export interface ChartFile {
  png: Buffer;
  /** e.g. 'pipeline-2026-11-24.png'. */
  filename: string;
  title: string;
  /** Screen-reader text; trimmed to SLACK_LIMITS.uploadAltTextChars. */
  altText: string;
}

export interface PostedMessage {
  channel: string;
  ts: string;
}

export interface SlackUser {
  id: string;
  name: string;
  realName: string | null;
  email: string | null;
  isAdmin: boolean;
  isOwner: boolean;
  isBot: boolean;
  deleted: boolean;
  tz: string | null;
}

export interface DeliveryOutcome {
  /** 'channel' when it landed where asked; 'dm' when the bot was not in the channel. */
  where: 'channel' | 'dm';
  channel: string;
  fileId?: string;
  ts?: string;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Slack's Retry-After (ms) when `err` is a 429 from the WebClient, else null. */
function rateLimitMs(err: unknown): number | null {
  const e = err as { code?: string; retryAfter?: number } | undefined;
  return e?.code === webApi.ErrorCode.RateLimitedError && typeof e.retryAfter === 'number' ? e.retryAfter * 1000 : null;
}

/** What the Web API answers; the SDK's per-method response types are wider than we read. */
type Answer = Record<string, unknown> & { ok?: boolean };

export class SlackDelivery {
  readonly client: WebClient;
  /** Per-channel order, pacing and 429 waits, shared by commands and jobs. */
  readonly queue: ChannelQueue;
  /** Retry-After per scope (channel or method). */
  readonly limits: RateLimitScopes;
  private readonly timeoutMs: number;
  private readonly maxMethodWaitMs: number;
  private readonly log: (line: string) => void;
  private readonly clock: Clock;

  constructor(opts: SlackDeliveryOptions) {
    if (opts.client) this.client = opts.client;
    else {
      if (!opts.token || !opts.apiUrl) throw new Error('SlackDelivery needs a client, or a token and apiUrl');
      this.client = new webApi.WebClient(opts.token, slackClientOptions({ apiUrl: opts.apiUrl, retry: opts.retry, requestTimeoutMs: opts.requestTimeoutMs, logger: opts.logger, logLevel: opts.logLevel }));
    }
    // Whoever built the client, a 429 must reach us rather than pause the client's whole queue.
    (this.client as unknown as { rejectRateLimitedCalls: boolean }).rejectRateLimitedCalls = true;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? (() => undefined);
    this.limits = new RateLimitScopes(this.clock);
    this.queue = new ChannelQueue(
      { intervalMs: opts.postIntervalMs ?? POST_INTERVAL_MS_PER_CHANNEL, maxRateLimitRetries: opts.maxRateLimitRetries, clock: this.clock, log: this.log },
      this.limits,
    );
    this.timeoutMs = opts.requestTimeoutMs ?? SLACK_REQUEST_TIMEOUT_MS;
    this.maxMethodWaitMs = opts.maxMethodWaitMs ?? SLACK_MAX_METHOD_WAIT_MS;
  }

  /**
   * Calls one Web API method that is not a post into a channel; failures become SlackApiError
   * naming the method. A 429 blocks this method only; the call waits it out (up to
   * maxMethodWaitMs in all) and runs again, unless `wait` is false (views.open), when it fails
   * at once.
   */
  private async call<T>(method: string, run: () => Promise<T>, opts: { wait?: boolean } = {}): Promise<T> {
    const wait = opts.wait ?? true;
    let waited = 0;
    for (;;) {
      const blocked = this.limits.remainingMs(method);
      if (blocked > 0) {
        if (!wait || waited + blocked > this.maxMethodWaitMs) throw new SlackApiError(method, 'ratelimited', undefined, { retryAfterMs: blocked });
        waited += blocked;
        await this.limits.waitFor(method);
      }
      try {
        return await run();
      } catch (err) {
        const ms = rateLimitMs(err);
        if (ms === null) throw err instanceof SlackApiError ? err : new SlackApiError(method, slackErrorOf(err), undefined, { cause: err });
        this.limits.block(method, ms);
        this.log(`slack: ${method} rate limited; it waits ${Math.ceil(ms / 1000)} s (other methods and channels go on)`);
        if (!wait) throw new SlackApiError(method, 'ratelimited', undefined, { cause: err, retryAfterMs: ms });
      }
    }
  }

  /**
   * Runs a post into `channel` in that channel's turn: ordered, paced, and a 429 blocks this
   * channel only and is sent again after its Retry-After.
   */
  private inChannel<T>(channel: string, method: string, run: () => Promise<T>): Promise<T> {
    return this.queue
      .run(channel, async () => {
        try {
          return await run();
        } catch (err) {
          const ms = rateLimitMs(err);
          if (ms !== null) throw new RateLimitedError(ms, { cause: err });
          throw err instanceof SlackApiError ? err : new SlackApiError(method, slackErrorOf(err), undefined, { cause: err });
        }
      })
      .catch((err: unknown) => {
        if (err instanceof RateLimitedError) throw new SlackApiError(method, 'ratelimited', undefined, { cause: err, retryAfterMs: err.retryAfterMs });
        throw err;
      });
  }

  /** Resolves once every queued post has been sent (or failed). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  
  // ---- identity ---------------------------------------------------------------------------

  async authTest(): Promise<{ botUserId: string | null; teamId: string | null; team: string | null }> {
    const r = await this.call('auth.test', () => this.client.auth.test());
    return { botUserId: r.user_id ?? null, teamId: r.team_id ?? null, team: r.team ?? null };
  }

  // ---- messages ---------------------------------------------------------------------------

  /** chat.postMessage in the channel's turn. `threadTs` makes it a reply in that thread. */
  async postMessage(channel: string, content: MessageContent, opts: { threadTs?: string; broadcast?: boolean } = {}): Promise<PostedMessage> {
    const r = await this.inChannel(channel, 'chat.postMessage', () =>
      this.client.chat.postMessage({
        channel,
        text: truncate(content.text, SLACK_LIMITS.messageTextChars),
        ...(content.blocks ? { blocks: content.blocks } : {}),
        ...(opts.threadTs ? { thread_ts: opts.threadTs, reply_broadcast: opts.broadcast ?? false } : {}),
        unfurl_links: false,
        unfurl_media: false,
      } as webApi.ChatPostMessageArguments),
    );
    return { channel: r.channel ?? channel, ts: r.ts ?? '' };
  }

  /** chat.update of a message the bot posted (never an ephemeral one), in the channel's turn. */
  async updateMessage(channel: string, ts: string, content: MessageContent): Promise<PostedMessage> {
    const r = await this.inChannel(channel, 'chat.update', () =>
      this.client.chat.update({ channel, ts, text: truncate(content.text, SLACK_LIMITS.messageTextChars), blocks: content.blocks ?? [] }),
    );
    return { channel: r.channel ?? channel, ts: r.ts ?? ts };
  }

  /** chat.postEphemeral: visible to one user; needs the bot in the channel. */
  async postEphemeral(channel: string, user: string, content: MessageContent): Promise<void> {
    await this.call('chat.postEphemeral', () => this.client.chat.postEphemeral({ channel, user, text: content.text, ...(content.blocks ? { blocks: content.blocks } : {}) }));
  }

  /**
   * An ephemeral answer to the person who ran a command: through its response_url when there
   * is one (works in channels the bot is not in), else chat.postEphemeral.
   */
  async replyEphemeral(target: ReplyTarget, content: MessageContent): Promise<void> {
    if (target.responseUrl) {
      await this.postToResponseUrl(target.responseUrl, { response_type: 'ephemeral', text: content.text, blocks: content.blocks });
      return;
    }
    await this.postEphemeral(target.channelId, target.userId, content);
  }

  /** POSTs JSON to a response_url (Slack allows 5 replies within 30 minutes). */
  async postToResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw new SlackApiError('response_url', 'request_failed', 'Slack could not be reached to answer the command; check the network.', { cause });
    }
    // Drain the body so the connection is reused.
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      throw new SlackApiError(
        'response_url',
        res.status === 404 ? 'expired_url' : `http_${res.status}`,
        res.status === 404 ? 'The command expired (30 minutes, 5 replies); run it again.' : text.slice(0, 200) || undefined,
      );
    }
  }

  // ---- files ------------------------------------------------------------------------------

  /**
   * Uploads a PNG and shares it into `channel` with `content.blocks` as the message. The
   * blocks must not include `markdown` blocks: completeUploadExternal answers internal_error for
   * them (section, header, context and rich_text work).
   */
  async uploadPng(channel: string, chart: ChartFile, content: MessageContent, opts: { threadTs?: string } = {}): Promise<{ fileId: string }> {
    return this.uploadFile(channel, { data: chart.png, filename: chart.filename, title: chart.title, altText: chart.altText }, content, opts);
  }

  /**
   * Uploads any file (a chart PNG, the dashboard HTML) and shares it into `channel`, in Slack's
   * three steps. The alt text goes to files.getUploadURLExternal as `alt_txt`, the name that
   * method documents (the SDK's filesUploadV2 sends it as `alt_text`, which Slack ignores). Only
   * the last step, which makes the message appear, waits for the channel's turn.
   */
  async uploadFile(
    channel: string,
    file: { data: Buffer; filename: string; title: string; altText?: string },
    content: MessageContent,
    opts: { threadTs?: string } = {},
  ): Promise<{ fileId: string }> {
    const fileId = await this.uploadBytes(file);
    await this.completeUpload(channel, fileId, file.title, content, opts);
    return { fileId };
  }

  /** Steps 1 and 2: an upload URL for the bytes, then the bytes. Returns the file id. */
  private async uploadBytes(file: { data: Buffer; filename: string; altText?: string }): Promise<string> {
    const got = (await this.call('files.getUploadURLExternal', () =>
      this.client.files.getUploadURLExternal({
        filename: file.filename,
        length: file.data.length,
        ...(file.altText ? { alt_txt: truncate(file.altText, SLACK_LIMITS.uploadAltTextChars) } : {}),
      } as unknown as webApi.FilesGetUploadURLExternalArguments),
    )) as Answer;
    const url = typeof got.upload_url === 'string' ? got.upload_url : '';
    const fileId = typeof got.file_id === 'string' ? got.file_id : '';
    if (!url || !fileId) throw new SlackApiError('files.getUploadURLExternal', 'no_upload_url');
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file.data)]), file.filename);
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      throw new SlackApiError('upload', 'request_failed', 'Slack could not be reached to upload the chart; check the network.', { cause });
    }
    await res.text().catch(() => '');
    if (!res.ok) throw new SlackApiError('upload', `http_${res.status}`);
    return fileId;
  }

  /** Step 3: shares the uploaded file into the channel, in the channel's turn. */
  private async completeUpload(channel: string, fileId: string, title: string, content: MessageContent, opts: { threadTs?: string }): Promise<void> {
    await this.inChannel(channel, 'files.completeUploadExternal', () =>
      this.client.files.completeUploadExternal({
        files: [{ id: fileId, title }],
        channel_id: channel,
        ...(content.blocks?.length ? { blocks: content.blocks } : { initial_comment: content.text }),
        ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
      } as webApi.FilesCompleteUploadExternalArguments),
    );
  }

  // ---- conversations ----------------------------------------------------------------------

  /** conversations.open with one user: the DM channel id (needs im:write). */
  async openDm(userId: string): Promise<string> {
    const r = await this.call('conversations.open', () => this.client.conversations.open({ users: userId }));
    const id = r.channel?.id;
    if (!id) throw new SlackApiError('conversations.open', 'no_channel_returned');
    return id;
  }

  /** conversations.info (needs channels:read / groups:read for public / private channels). */
  async conversationInfo(channel: string): Promise<{ id: string; name: string | null; isMember: boolean; isPrivate: boolean; isIm: boolean }> {
    const r = await this.call('conversations.info', () => this.client.conversations.info({ channel }));
    const c = r.channel ?? {};
    return { id: c.id ?? channel, name: c.name ?? null, isMember: c.is_member ?? false, isPrivate: c.is_private ?? false, isIm: c.is_im ?? false };
  }

  // ---- users ------------------------------------------------------------------------------

  /** users.info (users:read; email needs users:read.email). */
  async userInfo(userId: string): Promise<SlackUser> {
    const r = await this.call('users.info', () => this.client.users.info({ user: userId }));
    const u = r.user;
    if (!u?.id) throw new SlackApiError('users.info', 'user_not_found');
    return {
      id: u.id,
      name: u.name ?? u.id,
      realName: u.real_name ?? u.profile?.real_name ?? null,
      email: u.profile?.email ? u.profile.email.toLowerCase() : null,
      isAdmin: u.is_admin === true,
      isOwner: u.is_owner === true || u.is_primary_owner === true,
      isBot: u.is_bot === true,
      deleted: u.deleted === true,
      tz: u.tz ?? null,
    };
  }

  /** users.lookupByEmail: the Slack user id for a work email, or null when there is none. */
  async lookupUserByEmail(email: string): Promise<string | null> {
    try {
      const r = await this.call('users.lookupByEmail', () => this.client.users.lookupByEmail({ email }));
      return r.user?.id ?? null;
    } catch (err) {
      if (slackErrorOf(err) === 'users_not_found') return null;
      throw err;
    }
  }

  // ---- views (modals) ---------------------------------------------------------------------

  /**
   * views.open; the trigger_id lives 3 seconds, so call it right after ack(). It never waits:
   * not behind posts (it is not in any channel's queue) and not on a Retry-After (a 429 fails
   * it at once, since the trigger would be dead by then).
   */
  async openView(triggerId: string, view: View): Promise<{ id: string; hash: string }> {
    const r = await this.call('views.open', () => this.client.views.open({ trigger_id: triggerId, view }), { wait: false });
    return { id: r.view?.id ?? '', hash: r.view?.hash ?? '' };
  }

  /** views.update; pass the hash from the last open/update to avoid overwriting a newer view. */
  async updateView(viewId: string, view: View, hash?: string): Promise<{ id: string; hash: string }> {
    const r = await this.call('views.update', () => this.client.views.update({ view_id: viewId, view, ...(hash ? { hash } : {}) }));
    return { id: r.view?.id ?? viewId, hash: r.view?.hash ?? '' };
  }

  // ---- composite: a report to where it was asked for ----------------------------------

  /**
   * Posts a report (chart + blocks, or blocks alone) into the channel the command came from.
   * When the bot is not in that channel, sends the report to the caller as a DM and, once the
   * DM is out, tells them ephemerally where it went and how to invite the bot. If the DM fails
   * too, the note says so instead (and the error is thrown).
   */
  async deliverReport(target: ReplyTarget, content: MessageContent, chart?: ChartFile): Promise<DeliveryOutcome> {
    const send = async (channel: string): Promise<DeliveryOutcome> => {
      if (chart) {
        const { fileId } = await this.uploadPng(channel, chart, content);
        return { where: 'channel', channel, fileId };
      }
      const { ts } = await this.postMessage(channel, content);
      return { where: 'channel', channel, ts };
    };
    try {
      return await send(target.channelId);
    } catch (err) {
      if (!isNotInChannel(err)) throw err;
      this.log(`slack: not in channel ${target.channelId} (${slackErrorOf(err)}); sending the report to ${target.userId} as a DM`);
    }
    let out: DeliveryOutcome;
    try {
      const dm = await this.openDm(target.userId);
      out = { ...(await send(dm)), where: 'dm' };
    } catch (dmErr) {
      await this.courtesy(target, {
        text: `I'm not in this channel, and I could not send you the report as a direct message either (${slackErrorOf(dmErr)}). Invite me with /invite @dealcast and run the command again.`,
      });
      throw dmErr;
    }
    await this.courtesy(target, {
      text: "I'm not in this channel, so I sent you the report as a direct message. Invite me with /invite @dealcast to post here.",
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: ":wave: I'm not in this channel, so I sent you the report as a direct message.\nInvite me with `/invite @dealcast` and run the command again to post it here.",
          },
        },
      ],
    });
    return out;
  }

  /** An ephemeral note that is a courtesy: a failure is logged, never thrown. */
  private async courtesy(target: ReplyTarget, content: MessageContent): Promise<void> {
    try {
      await this.replyEphemeral(target, content);
    } catch (err) {
      this.log(`slack: could not tell ${target.userId} where the report went: ${slackErrorOf(err)}`);
    }
  }

  /**
   * The digest and alert jobs' Messenger over this same door (same client, same per-channel
   * queue as slash commands). When the bot is not in the job's channel, the message goes to the
   * `fallbackUsers`' DMs with a hint to invite the bot (at most once per channel per
   * `fallbackEveryMs`, so a job retried every tick does not flood them), and the post still
   * fails with `not_in_channel` so the job knows its channel did not get it and tries again.
   */
  messenger(opts: { fallbackUsers?: readonly string[]; fallbackEveryMs?: number } = {}): Messenger {
    const users = opts.fallbackUsers ?? [];
    const every = opts.fallbackEveryMs ?? 12 * 60 * 60 * 1000;
    const lastFallback = new Map<string, number>();
    const fallback = async (channel: string, content: MessageContent, err: unknown): Promise<never> => {
      if (!isNotInChannel(err)) throw err;
      const last = lastFallback.get(channel);
      if (!users.length) this.log(`slack: not in channel ${channel}; no DEALCAST_ADMINS to send the message to instead`);
      else if (last !== undefined && this.clock.now() - last < every) this.log(`slack: still not in channel ${channel}; admins were told already`);
      else {
        lastFallback.set(channel, this.clock.now());
        const hint: Block = {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: `:warning: This was meant for <#${channel}>, but I am not in that channel. Invite me there with \`/invite @dealcast\`; I will post there again on the next run.` }],
        };
        const sent: string[] = [];
        for (const user of users) {
          try {
            await this.postMessage(await this.openDm(user), { text: `(for #${channel}, where I am not a member) ${content.text}`, blocks: [hint, ...(content.blocks ?? [])] });
            sent.push(user);
          } catch (dmErr) {
            this.log(`slack: could not send ${user} the message meant for ${channel}: ${slackErrorOf(dmErr)}`);
          }
        }
        this.log(`slack: not in channel ${channel}; sent the message to ${sent.length ? sent.join(', ') : 'nobody'} as a DM with an invite hint`);
      }
      throw err;
    };
    return {
      post: (channel, c) => this.postMessage(channel, c).then((r) => ({ ts: r.ts }), (err: unknown) => fallback(channel, c, err)),
      reply: (channel, threadTs, c) => this.postMessage(channel, c, { threadTs }).then((r) => ({ ts: r.ts })),
      update: (channel, ts, c) => this.updateMessage(channel, ts, c).then(() => undefined),
      upload: (channel, threadTs, chart: ChartPng) => this.uploadPng(channel, chart, { text: chart.title }, threadTs ? { threadTs } : {}).then(() => undefined),
    };
  }
}
