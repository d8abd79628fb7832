/**
 * --dry-run delivery: prints every message as the Block Kit JSON that would be sent (with the
 * channel and thread it would go to) and writes chart PNGs into a folder instead of uploading.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordingMessenger, type MessengerCall } from './messenger.js';

export function dryRunMessenger(print: (s: string) => void, outDir: string): RecordingMessenger {
  const written: string[] = [];
  return new RecordingMessenger((call: MessengerCall) => {
    switch (call.kind) {
      case 'post':
        print(JSON.stringify({ method: 'chat.postMessage', channel: call.channel, text: call.content.text, blocks: call.content.blocks, ts: call.ts }, null, 2));
        break;
      case 'reply':
        print(JSON.stringify({ method: 'chat.postMessage', channel: call.channel, thread_ts: call.threadTs, text: call.content.text, blocks: call.content.blocks, ts: call.ts }, null, 2));
        break;
      case 'update':
        print(JSON.stringify({ method: 'chat.update', channel: call.channel, ts: call.ts, text: call.content.text, blocks: call.content.blocks }, null, 2));
        break;
      case 'upload': {
        mkdirSync(outDir, { recursive: true });
        const file = join(outDir, call.chart.filename);
        writeFileSync(file, call.chart.png);
        written.push(file);
        print(JSON.stringify({ method: 'files.uploadV2', channel: call.channel, thread_ts: call.threadTs, title: call.chart.title, alt_text: call.chart.altText, file }, null, 2));
        break;
      }
    }
  });
}
