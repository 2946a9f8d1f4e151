/**
 * Section 12's colour filter in the browser: a hex colour typed into the filter menu (its last digit is the
 * event), timed to the list painted, then its chip removed; the first colour of a panel also reads the index.
 */
import type { Page } from 'playwright-core';
import { codeColour, codesHold, hexOfColour } from '../../utils/storage/colours';
import { jobColourCodes } from '../colours';
import type { Dataset } from '../dataset';
import { type FindSample, timedFind } from './find';

/** `rounds` colours, each one the newest job's n-th colour: a fresh one each time (no answer is reused). */
function pickColours(dataset: Dataset, rounds: number) {
  const codes = jobColourCodes(dataset);
  const newestFirst = [...dataset.jobs.keys()].reverse();
  const picked: { hex: string; hits: string[] }[] = [];
  for (let r = 0; r < rounds; r++) {
    const cell = codes[newestFirst[r * 7]!]!.slice(0, 4);
    picked.push({
      hex: hexOfColour(codeColour(cell)),
      hits: newestFirst.filter((i) => codesHold(codes[i]!, cell)).map((i) => dataset.jobs[i]!.id),
    });
  }
  return picked;
}

export async function measureColourFind(page: Page, dataset: Dataset, rounds = 5): Promise<FindSample[]> {
  const total = dataset.count.toLocaleString('en-US');
  const all = `${total} jobs`;
  const newest = dataset.jobs.at(-1)!.id;
  const samples: FindSample[] = [];
  const settle = () => page.waitForTimeout(150);
  await page.getByRole('button', { name: 'Filters' }).click();
  const hex = page.getByLabel('Colour', { exact: true });
  for (const [round, colour] of pickColours(dataset, rounds).entries()) {
    await hex.fill(colour.hex.slice(0, -1));
    await settle();
    await hex.focus();
    const caption = `${colour.hits.length.toLocaleString('en-US')} of ${total}`;
    let t = await timedFind(page, { caption, firstId: colour.hits[0] ?? null }, () =>
      page.keyboard.type(colour.hex.slice(-1)),
    );
    samples.push({
      action: `colour:${colour.hex}${round === 0 ? ' (first: reads the index)' : ''}`,
      kind: round === 0 ? 'colour-first' : 'colour',
      results: colour.hits.length,
      ...t,
    });
    await settle();
    t = await timedFind(page, { caption: all, firstId: newest }, () =>
      page.getByRole('button', { name: `Remove filter: Colour ${colour.hex}` }).click(),
    );
    samples.push({ action: 'chip:remove colour', kind: 'colour', results: dataset.count, ...t });
    await settle();
  }
  await page.getByRole('button', { name: 'Done' }).click();
  return samples;
}
