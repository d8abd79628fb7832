/**
 * The fonts charts are drawn with, all installed from npm, and the fontconfig setup that makes
 * librsvg (through Pango, HarfBuzz and fontconfig inside sharp's libvips) use exactly these and
 * nothing from the host: the PNG is the same on a laptop, in CI and in a slim container.
 *
 * Text is drawn as text: vega's SVG keeps its <text> elements with family "Inter", and Pango
 * shapes them (kerning, ligatures, Arabic joining, Indic and Thai clusters, bidi) and falls back,
 * character by character, through FALLBACK_FAMILIES in this order for what Inter lacks.
 *
 * `useChartFonts()` writes a fonts.conf listing only the folders below (and a cache folder) under
 * the OS temp dir and points FONTCONFIG_FILE at it. It must run before the first text is drawn
 * in the process (fontconfig reads its configuration once); charts/render.ts calls it when it is
 * loaded, before it imports sharp.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export interface ChartFont {
  /** The family name fontconfig reads from the file (fc-query's `family`). */
  family: string;
  /** What the family is in the stack for. */
  covers: string;
  /** npm package that ships it (static TTF/OTF: sharp's FreeType reads neither WOFF nor WOFF2). */
  pkg: string;
  /** Files inside the package: the regular face and the one used for bold-ish weights (>= 600). */
  regular: string;
  bold: string;
}

/**
 * Inter first, then the fallbacks in the order fontconfig is told to try them. Only one family
 * covers each script, so the order only matters for characters two of them share (digits,
 * punctuation: Inter's). Chinese, Japanese kanji and kana come from Noto Sans S Chinese (it
 * covers the whole CJK Unified Ideographs block, so Japanese names draw with Chinese glyph forms
 * where the two differ); Hangul from Nanum Gothic (far smaller than Noto Sans KR); emoji from
 * the monochrome Noto Emoji (the colour Noto font is on npm only as WOFF/WOFF2 or CBDT, which
 * this FreeType cannot read).
 */
export const CHART_FONTS: readonly ChartFont[] = [
  {
    family: 'Inter',
    covers: 'Latin, Greek, Cyrillic, digits, punctuation',
    pkg: '@expo-google-fonts/inter',
    regular: '400Regular/Inter_400Regular.ttf',
    bold: '600SemiBold/Inter_600SemiBold.ttf',
  },
  {
    family: 'Noto Sans Arabic',
    covers: 'Arabic, Persian, Urdu',
    pkg: '@expo-google-fonts/noto-sans-arabic',
    regular: '400Regular/NotoSansArabic_400Regular.ttf',
    bold: '600SemiBold/NotoSansArabic_600SemiBold.ttf',
  },
  {
    family: 'Noto Sans Hebrew',
    covers: 'Hebrew',
    pkg: '@embedpdf/fonts-hebrew',
    regular: 'fonts/NotoSansHebrew-Regular.ttf',
    bold: 'fonts/NotoSansHebrew-Bold.ttf',
  },
  {
    family: 'Noto Sans Thai',
    covers: 'Thai',
    pkg: '@expo-google-fonts/noto-sans-thai',
    regular: '400Regular/NotoSansThai_400Regular.ttf',
    bold: '600SemiBold/NotoSansThai_600SemiBold.ttf',
  },
  {
    family: 'Noto Sans Devanagari',
    covers: 'Devanagari (Hindi, Marathi, Nepali)',
    pkg: '@expo-google-fonts/noto-sans-devanagari',
    regular: '400Regular/NotoSansDevanagari_400Regular.ttf',
    bold: '600SemiBold/NotoSansDevanagari_600SemiBold.ttf',
  },
  {
    family: 'NanumGothic',
    covers: 'Korean Hangul',
    pkg: '@expo-google-fonts/nanum-gothic',
    regular: '400Regular/NanumGothic_400Regular.ttf',
    bold: '700Bold/NanumGothic_700Bold.ttf',
  },
  {
    family: 'Noto Sans S Chinese',
    covers: 'Chinese (simplified and traditional), Japanese kanji and kana, CJK punctuation',
    pkg: '@embedpdf/fonts-sc',
    regular: 'fonts/NotoSansHans-Regular.otf',
    bold: 'fonts/NotoSansHans-Bold.otf',
  },
  {
    family: 'Noto Emoji',
    covers: 'emoji (monochrome)',
    pkg: '@expo-google-fonts/noto-emoji',
    regular: '400Regular/NotoEmoji_400Regular.ttf',
    bold: '600SemiBold/NotoEmoji_600SemiBold.ttf',
  },
];

/** The family every chart names (vega config `font`); the others are reached by fallback. */
export const PRIMARY_FAMILY = CHART_FONTS[0]!.family;
export const FALLBACK_FAMILIES = CHART_FONTS.slice(1).map((f) => f.family);

const roots = new Map<string, string>();

/**
 * The folder an npm package is installed in: up from its main entry to the package.json that
 * names it (some of these packages' `exports` do not let their font files be resolved directly).
 */
function packageRoot(pkg: string): string {
  let root = roots.get(pkg);
  if (!root) {
    let dir = dirname(require.resolve(pkg));
    for (;;) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === pkg) break;
      const up = dirname(dir);
      if (up === dir) throw new Error(`Cannot find the installed package ${pkg}; run npm install`);
      dir = up;
    }
    root = dir;
    roots.set(pkg, root);
  }
  return root;
}

/** Absolute paths of a family's regular and bold files. */
export function fontFiles(font: ChartFont): { regular: string; bold: string } {
  const root = packageRoot(font.pkg);
  return { regular: join(root, font.regular), bold: join(root, font.bold) };
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The fonts.conf text: our font folders only, the fallback order, no hinting, a cache folder. */
export function fontconfigXml(cacheDir: string): string {
  const dirs = new Set<string>();
  for (const font of CHART_FONTS) {
    const files = fontFiles(font);
    dirs.add(dirname(files.regular));
    dirs.add(dirname(files.bold));
  }
  const fallbacks = FALLBACK_FAMILIES.map((f) => `      <string>${escapeXml(f)}</string>`).join('\n');
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- Written by dealcast's chart renderer: only the fonts it ships, never the host's. -->
<fontconfig>
${[...dirs].map((d) => `  <dir>${escapeXml(d)}</dir>`).join('\n')}
  <cachedir>${escapeXml(cacheDir)}</cachedir>
  <!-- Whatever family is asked for, try these after it, in this order. -->
  <match target="pattern">
    <edit name="family" mode="append_last">
${fallbacks}
    </edit>
  </match>
  <!-- Outlines as designed: no hinting, greyscale anti-aliasing, on every host. -->
  <match target="font">
    <edit name="antialias" mode="assign"><bool>true</bool></edit>
    <edit name="hinting" mode="assign"><bool>false</bool></edit>
    <edit name="hintstyle" mode="assign"><const>hintnone</const></edit>
    <edit name="rgba" mode="assign"><const>none</const></edit>
    <edit name="embeddedbitmap" mode="assign"><bool>false</bool></edit>
  </match>
  <config><rescan><int>0</int></rescan></config>
</fontconfig>
`;
}

let configured: string | undefined;

/**
 * Point fontconfig at the chart fonts (idempotent). Returns the fonts.conf path. The file and
 * fontconfig's cache live in a folder named after a hash of the configuration, so processes
 * sharing a machine reuse one cache, and a changed install gets a new one.
 */
export function useChartFonts(): string {
  if (configured) return configured;
  const probe = fontconfigXml('@CACHE@');
  const hash = createHash('sha256').update(probe).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `dealcast-fonts-${hash}`);
  const cacheDir = join(dir, 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const file = join(dir, 'fonts.conf');
  // Written whole then renamed, so a concurrent process never reads half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, probe.replace('@CACHE@', escapeXml(cacheDir)));
  renameSync(partial, file);
  process.env.FONTCONFIG_FILE = file;
  // A FONTCONFIG_PATH or FONTCONFIG_SYSROOT from the host would change where fontconfig looks.
  delete process.env.FONTCONFIG_PATH;
  delete process.env.FONTCONFIG_SYSROOT;
  configured = file;
  return file;
}
