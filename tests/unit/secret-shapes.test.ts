import { describe, expect, test } from '@jest/globals';
import { renderMessage } from '../../src/policy/message.js';
import { maskSecretShapes } from '../../src/policy/secret-shapes.js';

const HF = 'hf_' + 'aB3dE6gH9jK2mN5pQ8sT1vW4yZ7';
const OPENAI = 'sk-proj-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1';

describe('secret-shaped text in message values', () => {
  test('tokens, flag arguments, URL passwords and private keys are masked; the rest stays readable', () => {
    const cases: [string, string][] = [
      [`--model=meta/llama --trust-remote-code --hf-token ${HF}`, `--model=meta/llama --trust-remote-code --hf-token hf_…[${HF.length} chars masked]`],
      [`--api-key=${OPENAI} --port 8000`, `--api-key=sk-…[${OPENAI.length} chars masked] --port 8000`],
      ['postgres://app:s3cr3t-Pa55@db:5432/app', 'postgres://app:s3c…[11 chars masked]@db:5432/app'],
      ['DefaultEndpointsProtocol=https;AccountName=ml;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;EndpointSuffix=core.windows.net', 'DefaultEndpointsProtocol=https;AccountName=ml;Acc…[43 chars masked];EndpointSuffix=core.windows.net'],
      ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '[private key, 68 chars]'],
      ['AKIAZ7QWERTYUIOPASDF in the env', 'AKI…[20 chars masked] in the env'],
      ['image: vllm/vllm-openai:v0.6.3 --max-model-len 4096', 'image: vllm/vllm-openai:v0.6.3 --max-model-len 4096'],
    ];
    for (const [input, expected] of cases) expect(maskSecretShapes(input)).toBe(expected);
  });

  test('every placeholder of a message is masked, whatever the rule', () => {
    const message = renderMessage('Container "{{name}}" runs model code from the hub ({{$value}})', (k) => (k === 'name' ? 'vllm' : ['--trust-remote-code', '--hf-token', HF]));
    expect(message).not.toContain(HF);
    expect(message).toContain(`hf_…[${HF.length} chars masked]`);
  });

  test('a 200 KB value of repeated token prefixes is scanned in linear time (no catastrophic backtracking)', () => {
    for (const prefix of ['sk-', 'hf_', 'ghp_', 'xoxb-', '--token ', 'eyJ', 'a://b:', 'AccountKey=', '-----BEGIN PRIVATE KEY-----']) {
      const value = prefix.repeat(Math.ceil(200_000 / prefix.length));
      const start = process.hrtime.bigint();
      maskSecretShapes(value);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // A correctness guard against super-linear patterns (those take minutes here), not a speed target.
      expect({ prefix, slow: ms > 3000 }).toEqual({ prefix, slow: false });
    }
  });
});
