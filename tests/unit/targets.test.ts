import { describe, expect, test } from '@jest/globals';
import { splitCommand } from '../../src/check/external-render.js';
import { normalizeTarget } from '../../src/check/targets.js';

describe('splitCommand: a command line split into arguments as a POSIX shell splits words, with no shell', () => {
  test.each([
    ['helm template web charts/web -f values-prod.yaml', ['helm', 'template', 'web', 'charts/web', '-f', 'values-prod.yaml']],
    ['  kubectl   kustomize\tapps/prod  ', ['kubectl', 'kustomize', 'apps/prod']],
    ['helm template "my release" charts/web', ['helm', 'template', 'my release', 'charts/web']],
    ["node -e 'console.log(\"a b\")'", ['node', '-e', 'console.log("a b")']],
    ['echo "a \\"quoted\\" word" b\\ c', ['echo', 'a "quoted" word', 'b c']],
    ['echo ""', ['echo', '']],
    ["echo it'\"'s", ['echo', 'it"s']],
    ['echo $HOME *.yaml | cat > out', ['echo', '$HOME', '*.yaml', '|', 'cat', '>', 'out']],
    ['', []],
  ])('%j', (line, argv) => {
    expect(splitCommand(line)).toEqual(argv);
  });

  test('an unclosed quote is refused', () => {
    expect(splitCommand('helm template "web')).toBeNull();
    expect(splitCommand("helm 'web")).toBeNull();
  });
});

describe('normalizeTarget', () => {
  test.each([
    ['apps/overlays/prod/', 'apps/overlays/prod'],
    ['./apps/overlays/prod', 'apps/overlays/prod'],
    ['apps//overlays/./prod', 'apps/overlays/prod'],
    ['.', ''],
    ['./', ''],
  ])('%j → %j', (given, want) => {
    expect(normalizeTarget(given)).toBe(want);
  });
});
