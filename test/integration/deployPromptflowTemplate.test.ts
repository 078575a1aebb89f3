// templates/promptflow: flow.dag.yaml is a chat flow wired to the tool file and the connection; the Python tool compiles and, run with python3, chats with the emulator's endpoint through the connection the deploy action wrote.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runDeployOn } from '../helpers/deployRun.js';
import { repoRoot } from '../helpers/runBundle.js';
import { tempDir } from '../helpers/tempFiles.js';

const folder = join(repoRoot, 'templates', 'promptflow');
const python = spawnSync('python3', ['--version']).status === 0;

interface Flow {
  inputs: Record<string, { type: string; is_chat_history?: boolean; is_chat_input?: boolean }>;
  outputs: Record<string, { type: string; reference: string; is_chat_output?: boolean }>;
  nodes: { name: string; type: string; source: { type: string; path: string }; inputs: Record<string, unknown> }[];
  environment?: { python_requirements_txt?: string };
}
const flow = parse(readFileSync(join(folder, 'flow.dag.yaml'), 'utf8')) as Flow;

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

describe('templates/promptflow', () => {
  it('is a chat flow: chat_history + question in, answer out, from the Python tool node', () => {
    expect(flow.inputs.chat_history).toMatchObject({ type: 'list', is_chat_history: true });
    expect(flow.inputs.question).toMatchObject({ type: 'string', is_chat_input: true });
    expect(flow.outputs.answer).toMatchObject({ type: 'string', is_chat_output: true });
    const node = flow.nodes.find((n) => n.name === 'chat_with_endpoint')!;
    expect(flow.outputs.answer!.reference).toBe('${chat_with_endpoint.output}');
    expect(node).toMatchObject({ type: 'python', source: { type: 'code', path: 'chat_with_endpoint.py' } });
    expect(existsSync(join(folder, node.source.path))).toBe(true);
    expect(node.inputs).toMatchObject({ connection: expect.any(String), chat_history: '${inputs.chat_history}', question: '${inputs.question}', api_format: 'aml-chat' });
    expect(existsSync(join(folder, flow.environment!.python_requirements_txt!))).toBe(true);
    const tool = readFileSync(join(folder, node.source.path), 'utf8');
    expect(tool).toContain('CustomConnection');
    expect(tool).toContain('connection.configs["endpoint"]');
    expect(tool).toContain('connection.secrets["key"]');
  });

  it.skipIf(!python)('the tool compiles (python3 -m py_compile)', () => {
    const out = tempDir();
    const result = spawnSync('python3', ['-c', 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)', join(folder, 'chat_with_endpoint.py'), join(out, 'tool.pyc')], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(!python)('the tool chats with the deployed endpoint through the connection the deploy action wrote', async () => {
    const em = await startTestEmulator();
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-pf')).id as string;
    await arm.createModel(ws, 'phi3-chat-ft', '1');
    const connection = String(flow.nodes[0]!.inputs.connection);
    expect((await runDeployOn(em, 'rg-pf', { endpoint: 'chat-ep', model: 'azureml:phi3-chat-ft:1', 'connection-name': connection })).error).toBeUndefined();
    expect((await runDeployOn(em, 'rg-pf', { endpoint: 'chat-ep', action: 'promote', deployment: 'phi3-chat-ft-v1' })).error).toBeUndefined();
    const secrets = (await arm.post(`${ws}/connections/${connection}/listsecrets`)).json<{ properties: { metadata: Record<string, string>; credentials: { keys: Record<string, string> } } }>();

    // Prompt flow itself is not installed here: when it is missing, the harness provides the two names the tool imports.
    const dir = tempDir();
    const harness = join(dir, 'harness.py');
    writeFileSync(
      harness,
      [
        'import json, sys, types',
        'try:',
        '    import promptflow.connections  # the real one, when installed',
        'except ImportError:',
        '    class CustomConnection:',
        '        def __init__(self, configs, secrets):',
        '            self.configs, self.secrets = configs, secrets',
        '    pf = types.ModuleType("promptflow"); core = types.ModuleType("promptflow.core"); conns = types.ModuleType("promptflow.connections")',
        '    core.tool = lambda f: f; conns.CustomConnection = CustomConnection; pf.core = core; pf.connections = conns',
        '    sys.modules.update({"promptflow": pf, "promptflow.core": core, "promptflow.connections": conns})',
        'from promptflow.connections import CustomConnection',
        'sys.path.insert(0, sys.argv[1])',
        'import chat_with_endpoint as t',
        'args = json.load(sys.stdin)',
        'conn = CustomConnection(configs={"endpoint": args["endpoint"]}, secrets={"key": args["key"]})',
        'history = [{"inputs": {"question": "Hi"}, "outputs": {"answer": "Hello!"}}]',
        'print(json.dumps({"answer": t.chat_with_endpoint(conn, history, "Who founded Microsoft?", "Be brief.", 0.2, 64), "messages": t.build_messages(history, "Who founded Microsoft?", "Be brief.")}))',
      ].join('\n'),
    );
    // Asynchronous: the emulator answers from this process's event loop.
    const run = (key: string) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn('python3', ['-B', harness, folder], { env: { PATH: process.env.PATH ?? '', SSL_CERT_FILE: em.caFile }, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (status) => done({ status, stdout, stderr }));
        child.stdin.end(JSON.stringify({ endpoint: secrets.properties.metadata.endpoint, key }));
      });
    const ok = await run(secrets.properties.credentials.keys.key!);
    expect(ok.stderr).toBe('');
    const result = JSON.parse(ok.stdout) as { answer: string; messages: { role: string; content: string }[] };
    expect(result.answer.length).toBeGreaterThan(0);
    expect(result.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    const scored = em.requests.filter((r) => r.method === 'POST' && /\/inference\/.*\/chat-ep\/score$/.test(r.path));
    expect(scored.length).toBeGreaterThan(0);
    expect((scored.at(-1)!.body as { input_data: { input_string: unknown[]; parameters: Record<string, number> } }).input_data.parameters).toEqual({ temperature: 0.2, max_new_tokens: 64 });

    const denied = await run('not-the-key');
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toContain('the endpoint answered HTTP 401');
    expect(denied.stderr).not.toContain('not-the-key');
  }, 60_000);
});
