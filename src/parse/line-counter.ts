/** What a position lookup needs of a line counter: the `yaml` package's LineCounter has it too. */
export interface LinePositions {
  /** The 1-based line and column of an offset; line 0 when it is before the first line start. */
  linePos(offset: number): { line: number; col: number };
}

/**
 * The line starts of a text, for the fast reader: the same answers as the `yaml` package's
 * LineCounter (a binary search over the starts), so a run the fast reader reads never loads it.
 */
export class LineCounter implements LinePositions {
  readonly lineStarts: number[] = [];

  /** Offsets are added in ascending order. */
  addNewLine(offset: number): void {
    this.lineStarts.push(offset);
  }

  linePos(offset: number): { line: number; col: number } {
    const starts = this.lineStarts;
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (starts[mid]! < offset) low = mid + 1;
      else high = mid;
    }
    if (starts[low] === offset) return { line: low + 1, col: 1 };
    if (low === 0) return { line: 0, col: offset };
    return { line: low, col: offset - starts[low - 1]! + 1 };
  }
}
