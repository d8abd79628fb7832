/**
 * --dry-run delivery: shows every message that would be sent (with the channel and thread it
 * would go to) and writes chart PNGs into a folder instead of uploading. 'json' prints the
 * Block Kit payloads as Slack would receive them; 'text' prints them as a reader would see them
 * (the demo uses it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordingMessenger, type Block, type MessageContent, type MessengerCall } from './messenger.js';

/** A Block Kit message as plain lines: headers, sections, fields and context, indented. */
export function messageAsText(content: MessageContent, indent = '  '): string {
  const lines: string[] = [];
  const add = (text: string, prefix = '') => lines.push(...text.split('\n').map((l) => `${indent}${prefix}${l}`));
  for (const b of content.blocks ?? ([] as Block[])) {
    if (b.type === 'header') add(b.text.text.toUpperCase());
    else if (b.type === 'section') {
      if (b.text) add(b.text.text);
      for (const f of b.fields ?? []) add(f.text, '| ');
    } else if (b.type === 'context') for (const e of b.elements) if ('text' in e && e.text) add(e.text, '  ');
  }
  if (!lines.length) add(content.text);
  return lines.join('\n');
}

export function dryRunMessenger(print: (s: string) => void, outDir: string, format: 'json' | 'text' = 'json'): RecordingMessenger {
  const short = (ts: string) => ts.slice(-3);
  return new RecordingMessenger((call: MessengerCall) => {
    if (call.kind === 'upload') {
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, call.chart.filename);
      writeFileSync(file, call.chart.png);
      if (format === 'json') print(JSON.stringify({ method: 'files.uploadV2', channel: call.channel, thread_ts: call.threadTs, title: call.chart.title, alt_text: call.chart.altText, file }, null, 2));
      else print(`  ↳ in the thread: chart "${call.chart.title}" (${file})`);
      return;
    }
    if (format === 'json') {
      const method = call.kind === 'update' ? 'chat.update' : 'chat.postMessage';
      const thread = call.kind === 'reply' ? { thread_ts: call.threadTs } : {};
      print(JSON.stringify({ method, channel: call.channel, ...thread, ts: call.ts, text: call.content.text, blocks: call.content.blocks }, null, 2));
      return;
    }
    const head =
      call.kind === 'post'
        ? `● ${call.channel} (message ${short(call.ts)})`
        : call.kind === 'reply'
          ? `  ↳ reply in thread ${short(call.threadTs)}`
          : `  ✎ message ${short(call.ts)} updated`;
    print(`${head}\n${messageAsText(call.content, call.kind === 'post' ? '  ' : '    ')}`);
  });
}
