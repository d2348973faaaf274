// Writes a month's report into its folder: report.html (zh-CN), report.en.html (en), each linking
// the other, and report-model.json, the data they were rendered from (minute-exact strips).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MonthReportModel } from './model.ts';
import { REPORT_FILES, REPORT_LANGUAGES, type ReportLanguage, renderMonthReport } from './render-html.ts';

export const REPORT_MODEL_FILE = 'report-model.json';

export interface WrittenReport {
  /** language → path of its HTML file */
  readonly html: Readonly<Record<ReportLanguage, string>>;
  readonly model: string;
}

/** Writes `<dir>/report.html`, `<dir>/report.en.html` and `<dir>/report-model.json`; returns their paths. */
export const writeMonthReport = async (dir: string, model: MonthReportModel): Promise<WrittenReport> => {
  await mkdir(dir, { recursive: true });
  const html = {} as Record<ReportLanguage, string>;
  for (const language of REPORT_LANGUAGES) {
    const file = join(dir, REPORT_FILES[language]);
    await writeFile(file, renderMonthReport(model, language));
    html[language] = file;
  }
  const modelFile = join(dir, REPORT_MODEL_FILE);
  await writeFile(modelFile, `${JSON.stringify(model, null, 2)}\n`);
  return { html, model: modelFile };
};
