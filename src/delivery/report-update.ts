/**
 * Re-rendering a report message in place: the new chart is uploaded without sharing it
 * anywhere (filesUploadV2 with no channel), then chat.update swaps the message's blocks and its
 * file (file_ids). Beside src/delivery/slack.ts, whose client, retry budget and error type it uses.
 */
import type { webApi } from '@slack/bolt';
import { SLACK_LIMITS, SlackApiError, slackErrorOf, type ChartFile, type MessageContent, type SlackDelivery } from './slack.js';

async function call<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof SlackApiError) throw err;
    throw new SlackApiError(method, slackErrorOf(err), undefined, { cause: err });
  }
}

/** Uploads a chart without sharing it; returns its file id. */
export async function uploadUnshared(slack: Pick<SlackDelivery, 'client'>, chart: ChartFile): Promise<string> {
  const r = await call('filesUploadV2', () =>
    slack.client.filesUploadV2({
      file: chart.png,
      filename: chart.filename,
      title: chart.title,
      alt_text: chart.altText.slice(0, SLACK_LIMITS.uploadAltTextChars),
    } as webApi.FilesUploadV2Arguments),
  );
  const files = (r as { files?: { files?: { id?: string }[] }[] }).files ?? [];
  const id = files[0]?.files?.[0]?.id;
  if (!id) throw new SlackApiError('filesUploadV2', 'no_file_returned');
  return id;
}

/** chat.update with new blocks and, when given, new files replacing the message's. */
export async function updateReportMessage(slack: Pick<SlackDelivery, 'client'>, channel: string, ts: string, content: MessageContent, fileIds?: string[]): Promise<void> {
  await call('chat.update', () =>
    slack.client.chat.update({
      channel,
      ts,
      text: content.text.slice(0, SLACK_LIMITS.messageTextChars),
      blocks: content.blocks ?? [],
      ...(fileIds?.length ? { file_ids: fileIds } : {}),
    } as webApi.ChatUpdateArguments),
  );
}
