import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { renderMessage } from '../../src/policy/message.js';
import { ANY_SHAPE, maskSecretShapes, SHAPE_PIECES } from '../../src/policy/secret-shapes.js';

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
      // Any credential flag's argument, quoted (to its closing quote), after a dot or an underscore, in a JSON list.
      ["server --password 'correct horse' --port 80", "server --password 'cor…[13 chars masked]' --port 80"],
      ['sh -c "server --db-password \\"s3 cr3t\\" --port 80"', 'sh -c "server --db-password \\"…[7 chars masked]\\" --port 80"'],
      ['--NotebookApp.token=abcdef123456 --ServerApp.ip=0.0.0.0', '--NotebookApp.token=abc…[12 chars masked] --ServerApp.ip=0.0.0.0'],
      ['redis-server --requirepass s3cret-redis --masterauth s3cret-redis', 'redis-server --requirepass s3c…[12 chars masked] --masterauth s3c…[12 chars masked]'],
      ['["--db-password","hunter2","--api_key","abc"]', '["--db-password","…[7 chars masked]","--api_key","…[3 chars masked]"]'],
      // A short secret shows none of its characters.
      ['postgres://app:pw@db/app', 'postgres://app:…[2 chars masked]@db/app'],
      // Settings about a credential are not one.
      ['--token-ttl 3600 --password-file /run/secrets/db --secret-name db', '--token-ttl 3600 --password-file /run/secrets/db --secret-name db'],
      // Programs' own credential flags and words, and credential-named shell variables; -p elsewhere is a port.
      ['mysqladmin ping -uroot -phunter2x && mysql -p mydb', 'mysqladmin ping -uroot -phun…[8 chars masked] && mysql -p mydb'],
      ['redis-cli -a hunter2x ping; nc -l -p 8080', 'redis-cli -a hun…[8 chars masked] ping; nc -l -p 8080'],
      ['curl -u elastic:hunter2x -H "Authorization: Bearer abcdef123456" http://es:9200', 'curl -u elastic:hun…[8 chars masked] -H "Authorization: Bearer abc…[12 chars masked]" http://es:9200'],
      ['PGPASSWORD=hunter2x psql -h db; export DB_PASS=pw; docker run -p 80:80 web', 'PGPASSWORD=hun…[8 chars masked] psql -h db; export DB_PASS=…[2 chars masked]; docker run -p 80:80 web'],
      ['docker login -u bot -p hunter2x registry.example.com', 'docker login -u bot -p hun…[8 chars masked] registry.example.com'],
      ['rabbitmqctl add_user app hunter2x && htpasswd -nb admin hunter2y', 'rabbitmqctl add_user app hun…[8 chars masked] && htpasswd -nb admin hun…[8 chars masked]'],
      ['mc alias set minio http://minio:9000 admin hunter2x', 'mc alias set minio http://minio:9000 admin hun…[8 chars masked]'],
      ['keytool -importcert -storepass hunter2x -file c.pem; vault server -dev-root-token-id=root', 'keytool -importcert -storepass hun…[8 chars masked] -file c.pem; vault server -dev-root-token-id=…[4 chars masked]'],
      // A password or token as a query or connection-string parameter (secrets-url-password's second shape).
      // (password= and Password= are masked with their name, as in a connection string: to the next & or ;.)
      ['jdbc:postgresql://db/app?user=app&password=hunter2x&ssl=true', 'jdbc:postgresql://db/app?user=app&pas…[17 chars masked]&ssl=true'],
      ["Server=db;User Id=sa;Password='hunter2x';", "Server=db;User Id=sa;Password='hun…[8 chars masked]';"],
      ['https://hooks.example.com/x?access_token=abcdef123456 and https://acct.blob.core.windows.net/m?sv=1&sig=AbC%2Bdef', 'https://hooks.example.com/x?access_token=abc…[12 chars masked] and https://acct.blob.core.windows.net/m?sv=1&sig=AbC…[9 chars masked]'],
    ];
    for (const [input, expected] of cases) expect(maskSecretShapes(input)).toBe(expected);
  });

  test('every placeholder of a message is masked, whatever the rule', () => {
    const message = renderMessage('Container "{{name}}" runs model code from the hub ({{$value}})', (k) => (k === 'name' ? 'vllm' : ['--trust-remote-code', '--hf-token', HF]));
    expect(message).not.toContain(HF);
    expect(message).toContain(`hf_…[${HF.length} chars masked]`);
  });

  test('a 200 KB value of repeated token prefixes is scanned in linear time (no catastrophic backtracking)', () => {
    for (const prefix of ['sk-', 'hf_', 'ghp_', 'xoxb-', '--token ', '--token "', "--x.api_key='", '--password","', 'eyJ', 'a://b:', 'AccountKey=', '-----BEGIN PRIVATE KEY-----', 'mysql -p', 'redis-cli -a ', ' -u a:', 'Authorization: Bearer ', 'add_user a ', 'htpasswd -b a ', 'alias set a ', ' A_PASS=', '?password=', '&sig=', ';Password=\'']) {
      const value = prefix.repeat(Math.ceil(200_000 / prefix.length));
      const start = process.hrtime.bigint();
      maskSecretShapes(value);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      // A correctness guard against super-linear patterns (those take minutes here), not a speed target.
      expect({ prefix, slow: ms > 3000 }).toEqual({ prefix, slow: false });
    }
  });

  test('text without any of the pieces the shapes need is never masked (the fast path skips only what the full scan would leave)', () => {
    // One instance of every shape (as ANY_SHAPE matches it: in any case), amid text that holds no piece of any shape;
    // bodies are letters and digits, so an instance holds only its own shape's piece.
    const instances = [
      /^hf_[A-Za-z0-9]{20,30}$/, /^sk-(?:ant-|proj-)?[A-Za-z0-9]{20,30}$/, /^(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,40}$/, /^github_pat_[A-Za-z0-9_]{20,30}$/,
      /^xox[abposr]-[A-Za-z0-9-]{10,20}$/, /^(?:AKIA|ASIA)[0-9A-Z]{16}$/, /^AIza[0-9A-Za-z]{35}$/, /^[sr]k_live_[0-9A-Za-z]{16,20}$/, /^glpat-[0-9A-Za-z]{20,30}$/,
      /^npm_[A-Za-z0-9]{36,40}$/, /^SG\.[A-Za-z0-9]{22}\.[A-Za-z0-9]{43}$/, /^dapi[0-9a-f]{32}$/, /^eyJ[A-Za-z0-9]{8,12}\.[A-Za-z0-9]{8,12}\.[A-Za-z0-9]{8,12}$/,
      /^(?:AccountKey|SharedAccessKey|Password|Pwd)=[A-Za-z0-9+]{4,12}$/, /^[a-z]{1,8}:\/\/[a-z]{1,8}:[A-Za-z0-9]{1,12}@[a-z]{1,8}$/,
      /^--?[a-z._-]{0,8}(?:token|password|passwd|passphrase|pass|pwd|secret|api[-_]?key|access[-_]?key|credentials?|requirepass|masterauth)(?:[= ]["']?|",")[A-Za-z0-9]{1,12}$/,
      /^(?:PGPASSWORD|DB_PASS|API_TOKEN|X_AUTH)=[A-Za-z0-9]{4,12}$/, /^[?&;](?:password|pwd|access_token|token|apikey|client_secret|sig)=[A-Za-z0-9]{1,12}$/, /^mysql -p[A-Za-z0-9]{4,12}$/, /^redis-cli -a [A-Za-z0-9]{4,12}$/, /^curl -u [a-z]{1,8}:[A-Za-z0-9]{4,12}$/,
      /^Authorization: Bearer [A-Za-z0-9]{4,12}$/, /^rabbitmqctl add_user [a-z]{1,8} [A-Za-z0-9]{4,12}$/, /^htpasswd -b [a-z]{1,8} [a-z]{1,8} [A-Za-z0-9]{4,12}$/,
      /^mc alias set [a-z]{1,8} [a-z]{1,8} [a-z]{1,8} [A-Za-z0-9]{4,12}$/, /^-----BEGIN [A-Z ]{0,10}PRIVATE KEY-----[A-Za-z0-9\n]{0,20}-----END PRIVATE KEY-----$/,
    ].map((re) => fc.stringMatching(re));
    const cased = (t: string, c: number) => (c === 1 ? t.toUpperCase() : c === 2 ? t.toLowerCase() : t);
    const around = fc.stringMatching(/^[A-Za-z0-9 ,]{0,12}$/);
    const text = fc.tuple(around, fc.oneof(...instances), fc.integer({ min: 0, max: 2 }), around).map(([a, secret, c, b]) => `${a} ${cased(secret, c)} ${b}`);
    // The full scan, without the fast path in front of it.
    const anyShape = new RegExp(ANY_SHAPE.source, 'i');
    let masked = 0;
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ maxLength: 40 })), (t) => {
        const secret = anyShape.test(t);
        if (secret) masked++;
        // Text the full scan would mask always holds a piece; text without one comes back unchanged.
        return !secret || (SHAPE_PIECES.test(t) && maskSecretShapes(t) !== t);
      }),
      { numRuns: 20_000, seed: 20261127 },
    );
    // The instances are masked (so each shape's piece is put to the test), and plain text passes the fast path.
    expect(masked).toBeGreaterThan(5_000);
    expect(SHAPE_PIECES.test('registry.example.com/team-0/app-0:1.0.0 runs as ServiceAccount team-0/app-0')).toBe(false);
  });
});
