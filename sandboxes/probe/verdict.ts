// The verdict's words, the same in the probe's summary line and on the /probe/ page (which imports only this file
// of the program, so it must stay free of Node.js modules).
export function allPass(needed: number): string {
  if (needed === 0) return 'no needed checks in this run';
  return needed === 1 ? 'the 1 needed check passes' : `all ${needed} needed checks pass`;
}

export function someFail(failed: string[]): string {
  return `${failed.length} needed check${failed.length === 1 ? ' fails' : 's fail'}: ${failed.join(', ')}`;
}
