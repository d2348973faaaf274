// Personal data with distinctive marker values (SPEC R12), and a detector that finds any of them —
// whole, or as a fragment of 8 characters or more (an error message may quote a cut of a line).

/** The personal fields of a probe record, every string a marker. */
export const PERSONAL = {
  idfa: 'IDFA-MARKER-7f3a',
  deviceModel: 'MODEL-MARKER-2b9c',
  deviceBrand: 'BRAND-MARKER-c41d',
  osVersion: 'OSVER-MARKER-90e6',
  location: { lat: 31.2304917, lng: 121.4737019, city: 'CITY-MARKER-5a1f', 'GEOKEY-MARKER-3e1f': true },
  carrier: 'CARRIER-MARKER-d7e2',
  mcc: 'MCC-MARKER-460a',
  clipboard: 'CLIP-MARKER-88b1',
  bluetooth: { mac: 'BTMAC-MARKER-0c3f', enabled: true },
  processList: ['PROC-MARKER-a1b2', 'PROC-MARKER-c3d4'],
  webviewUserAgent: 'UA-MARKER-6d5e',
} as const;

/** Fields of PERSONAL, each one dropped field of a record. */
export const PERSONAL_FIELD_COUNT = Object.keys(PERSONAL).length;

const STRING_MARKERS = [
  'IDFA-MARKER-7f3a',
  'MODEL-MARKER-2b9c',
  'BRAND-MARKER-c41d',
  'OSVER-MARKER-90e6',
  'CITY-MARKER-5a1f',
  'GEOKEY-MARKER-3e1f',
  'CARRIER-MARKER-d7e2',
  'MCC-MARKER-460a',
  'CLIP-MARKER-88b1',
  'BTMAC-MARKER-0c3f',
  'PROC-MARKER-a1b2',
  'PROC-MARKER-c3d4',
  'UA-MARKER-6d5e',
];
/** Numbers are only looked for whole (a fragment of digits could be anything, a hash say). */
const NUMBER_MARKERS = ['31.2304917', '121.4737019'];

const FRAGMENT = 8;
const fragments: ReadonlyMap<string, string> = new Map(
  STRING_MARKERS.flatMap((marker) =>
    Array.from({ length: marker.length - FRAGMENT + 1 }, (_, i) => [marker.slice(i, i + FRAGMENT), marker] as const),
  ),
);

/** The markers (or 8-character fragments of them) found in `text`, with what was found. */
export const markersIn = (text: string): string[] => {
  const found = new Map<string, string>();
  for (const [fragment, marker] of fragments) {
    if (!found.has(marker) && text.includes(fragment)) found.set(marker, `${marker} (as "${fragment}")`);
  }
  for (const marker of NUMBER_MARKERS) if (text.includes(marker)) found.set(marker, marker);
  return [...found.values()].sort();
};
