/**
 * The only module that talks to Slack's Web API (chat.*, files.*, views.*, users.*,
 * conversations.*) and to slash commands' response_url. Views and charts hand it data; it
 * posts, uploads, threads, updates, opens modals, and knows Slack's limits as named constants.
 *
 * - Every call goes to SLACK_API_URL (Enterprise Grid / GovSlack hosts, and the tests' fake).
 * - Retries are explicit: HTTP 429 waits the Retry-After Slack sends (the WebClient pauses its
 *   queue for that long), then retries up to `retries` times; 5xx and network errors retry
 *   with backoff the same bounded number of times. Platform errors (`{ok:false}`) never retry.
 * - Posting into one channel is paced (about one message per second per channel, Slack's
 *   documented limit for chat.postMessage), in order, losing nothing.
 * - Charts are uploaded with filesUploadV2 (getUploadURLExternal -> POST bytes ->
 *   completeUploadExternal); files.upload is retired.
 */
import { webApi, type LogLevel, type Logger, type types } from '@slack/bolt';
import { DealcastError } from '../errors.js';
import { RateLimitedError, type Messenger, type MessageContent as JobMessage } from './messenger.js';

type KnownBlock = types.KnownBlock;
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

/** Retry budget for Web API calls; explicit, never the library's 10-retries-over-30-minutes default. */
export const SLACK_RETRY: webApi.RetryOptions = { retries: 4, factor: 2, minTimeout: 1000, maxTimeout: 20_000, randomize: true };

/** Timeout for one Web API or response_url request. */
export const SLACK_REQUEST_TIMEOUT_MS = 15_000;

/** Slack errors that mean "the bot cannot post in this conversation". */
const NOT_IN_CHANNEL_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'cannot_dm_bot']);

/** A Web API call failed; `slackError` is Slack's error string (`not_in_channel`, `invalid_auth` …). */
export class SlackApiError extends DealcastError {
  readonly method: string;
  readonly slackError: string;
  constructor(method: string, slackError: string, hint?: string, options?: { cause?: unknown }) {
    super('slack_api', `Slack answered ${method} with ${slackError}.`, hint ?? hintFor(slackError), options);
    this.method = method;
    this.slackError = slackError;
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
  token: string;
  /** SLACK_API_URL. */
  apiUrl: string;
  retry?: webApi.RetryOptions;
  /** Spacing between messages into one channel; 0 turns pacing off (tests). */
  postIntervalMs?: number;
  requestTimeoutMs?: number;
  /** A Bolt/WebClient logger (already redacting secrets). */
  logger?: Logger;
  logLevel?: LogLevel;
  /** One line per notable event (failures, fallbacks). */
  log?: (line: string) => void;
  /**
   * 'wait' (default): a 429 pauses the client for Slack's Retry-After and retries. 'reject': it
   * fails at once (slackError 'ratelimited', retryAfterSeconds()) for a caller that queues and
   * waits itself (the digest and alert jobs, whose queue runs on an injected clock).
   */
  rateLimited?: 'wait' | 'reject';
}

/** Who asked, and where: enough to answer a slash command or interaction. */
export interface ReplyTarget {
  channelId: string;
  userId: string;
  /** The command's response_url (ephemeral replies work even where the bot is not a member). */
  responseUrl?: string;
}

export interface MessageContent {
  /** Notification / fallback text; always given. */
  text: string;
  blocks?: KnownBlock[];
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs sends into one channel in order, at least `intervalMs` apart. */
class ChannelPacer {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly lastStart = new Map<string, number>();
  constructor(private readonly intervalMs: number) {}

  run<T>(channel: string, send: () => Promise<T>): Promise<T> {
    if (this.intervalMs <= 0) return send();
    const prev = this.tails.get(channel) ?? Promise.resolve();
    const result = prev.then(async () => {
      const last = this.lastStart.get(channel);
      const wait = last === undefined ? 0 : last + this.intervalMs - Date.now();
      if (wait > 0) await sleep(wait);
      this.lastStart.set(channel, Date.now());
      return send();
    });
    const tail = result.catch(() => undefined);
    this.tails.set(channel, tail);
    void tail.then(() => {
      if (this.tails.get(channel) === tail) this.tails.delete(channel);
    });
    return result;
  }
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export class SlackDelivery {
  readonly client: WebClient;
  private readonly pacer: ChannelPacer;
  private readonly timeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(opts: SlackDeliveryOptions) {
    this.client = new webApi.WebClient(opts.token, {
      slackApiUrl: opts.apiUrl,
      retryConfig: opts.retry ?? SLACK_RETRY,
      timeout: opts.requestTimeoutMs ?? SLACK_REQUEST_TIMEOUT_MS,
      rejectRateLimitedCalls: opts.rateLimited === 'reject',
      logger: opts.logger,
      logLevel: opts.logLevel,
    });
    this.pacer = new ChannelPacer(opts.postIntervalMs ?? POST_INTERVAL_MS_PER_CHANNEL);
    this.timeoutMs = opts.requestTimeoutMs ?? SLACK_REQUEST_TIMEOUT_MS;
    this.log = opts.log ?? (() => undefined);
  }

  /** Calls one Web API method; failures become SlackApiError naming the method. */
  private async call<T>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof SlackApiError) throw err;
      throw new SlackApiError(method, slackErrorOf(err), undefined, { cause: err });
    }
  }

  // ---- identity ---------------------------------------------------------------------------

  async authTest(): Promise<{ botUserId: string | null; teamId: string | null; team: string | null }> {
    const r = await this.call('auth.test', () => this.client.auth.test());
    return { botUserId: r.user_id ?? null, teamId: r.team_id ?? null, team: r.team ?? null };
  }

  // ---- messages ---------------------------------------------------------------------------

  /** chat.postMessage, paced per channel. `threadTs` makes it a reply in that thread. */
  async postMessage(channel: string, content: MessageContent, opts: { threadTs?: string; broadcast?: boolean } = {}): Promise<PostedMessage> {
    const r = await this.pacer.run(channel, () =>
      this.call('chat.postMessage', () =>
        this.client.chat.postMessage({
          channel,
          text: truncate(content.text, SLACK_LIMITS.messageTextChars),
          ...(content.blocks ? { blocks: content.blocks } : {}),
          ...(opts.threadTs ? { thread_ts: opts.threadTs, reply_broadcast: opts.broadcast ?? false } : {}),
          unfurl_links: false,
          unfurl_media: false,
        } as webApi.ChatPostMessageArguments),
      ),
    );
    return { channel: r.channel ?? channel, ts: r.ts ?? '' };
  }

  /** chat.update of a message the bot posted (never an ephemeral one). */
  async updateMessage(channel: string, ts: string, content: MessageContent): Promise<PostedMessage> {
    const r = await this.call('chat.update', () =>
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
   * Uploads a PNG and shares it into `channel` with `content.blocks` as the message
   * (filesUploadV2: getUploadURLExternal -> POST the bytes -> completeUploadExternal). The
   * blocks must not include `markdown` blocks: completeUploadExternal answers internal_error for
   * them (section, header, context and rich_text work).
   */
  async uploadPng(channel: string, chart: ChartFile, content: MessageContent, opts: { threadTs?: string } = {}): Promise<{ fileId: string }> {
    return this.uploadFile(channel, { data: chart.png, filename: chart.filename, title: chart.title, altText: chart.altText }, content, opts);
  }

  /** Uploads any file (a chart PNG, the dashboard HTML) and shares it into `channel`. */
  async uploadFile(
    channel: string,
    file: { data: Buffer; filename: string; title: string; altText?: string },
    content: MessageContent,
    opts: { threadTs?: string } = {},
  ): Promise<{ fileId: string }> {
    const r = await this.pacer.run(channel, () =>
      this.call('filesUploadV2', () =>
        this.client.filesUploadV2({
          channel_id: channel,
          file: file.data,
          filename: file.filename,
          title: file.title,
          ...(file.altText ? { alt_text: truncate(file.altText, SLACK_LIMITS.uploadAltTextChars) } : {}),
          ...(content.blocks?.length ? { blocks: content.blocks } : { initial_comment: content.text }),
          ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
        } as webApi.FilesUploadV2Arguments),
      ),
    );
    const files = (r as { files?: { files?: { id?: string }[] }[] }).files ?? [];
    return { fileId: files[0]?.files?.[0]?.id ?? '' };
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

  /** views.open; the trigger_id lives 3 seconds, so call it right after ack(). */
  async openView(triggerId: string, view: View): Promise<{ id: string; hash: string }> {
    const r = await this.call('views.open', () => this.client.views.open({ trigger_id: triggerId, view }));
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
   * When the bot is not in that channel, tells the caller ephemerally how to invite it and
   * sends the report to them as a DM instead.
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
      try {
        await this.replyEphemeral(target, {
          text: "I'm not in this channel, so I sent the report to you as a direct message. Invite me with /invite @dealcast to post here.",
          blocks: [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: ":wave: I'm not in this channel, so I sent the report to you as a direct message.\nInvite me with `/invite @dealcast` and run the command again to post it here.",
              },
            },
          ],
        });
      } catch (replyErr) {
        // The note is a courtesy; the report still goes out as a DM.
        this.log(`slack: could not tell ${target.userId} about the DM: ${slackErrorOf(replyErr)}`);
      }
      const dm = await this.openDm(target.userId);
      const out = await send(dm);
      return { ...out, where: 'dm' };
    }
  }
}

// ---- jobs (issue #9): the digest and alert jobs' Messenger over this delivery ----------------
//
// The jobs pace and retry in their own per-channel queue (src/delivery/channel-queue.ts, with an
// injected clock), so their SlackDelivery is built with `rateLimited: 'reject'` and
// `postIntervalMs: 0`: a 429 surfaces at once as RateLimitedError with Slack's Retry-After, and
// the queue waits it out and sends the same message again.

/** Seconds Slack asked us to wait, when `err` is a rate-limit rejection. */
export function retryAfterSeconds(err: unknown): number | null {
  const cause = err instanceof SlackApiError ? (err.cause as { code?: string; retryAfter?: number } | undefined) : (err as { code?: string; retryAfter?: number });
  return cause?.code === webApi.ErrorCode.RateLimitedError && typeof cause.retryAfter === 'number' ? cause.retryAfter : null;
}

export function slackMessenger(slack: SlackDelivery): Messenger {
  const rateLimited = (err: unknown): never => {
    const s = retryAfterSeconds(err);
    if (s !== null) throw new RateLimitedError(s * 1000, { cause: err });
    throw err;
  };
  const content = (c: JobMessage): MessageContent => ({ text: c.text, ...(c.blocks ? { blocks: c.blocks as unknown as KnownBlock[] } : {}) });
  return {
    post: (channel, c) => slack.postMessage(channel, content(c)).then((r) => ({ ts: r.ts }), rateLimited),
    reply: (channel, threadTs, c) => slack.postMessage(channel, content(c), { threadTs }).then((r) => ({ ts: r.ts }), rateLimited),
    update: (channel, ts, c) => slack.updateMessage(channel, ts, content(c)).then(() => undefined, rateLimited),
    upload: (channel, threadTs, chart) =>
      slack.uploadPng(channel, chart, { text: chart.title }, threadTs ? { threadTs } : {}).then(() => undefined, rateLimited),
  };
}
