// Writes examples/data/{train,validation}.jsonl: a small, deterministic, ultrachat_200k-shaped chat
// dataset ({prompt, prompt_id, messages}) with an 80/20 split, for the local pipeline and the docs.
// Usage: node scripts/generate-sample-data.mjs
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const facts = [
  ['Who founded Microsoft?', 'Microsoft was founded by Bill Gates and Paul Allen on April 4, 1975, in Albuquerque, New Mexico.'],
  ['What is Azure Machine Learning?', 'Azure Machine Learning is a cloud service for training, deploying and managing machine learning models, with managed compute, a model registry and online endpoints.'],
  ['What does fine-tuning a language model mean?', 'Fine-tuning continues the training of a pre-trained model on a smaller, task-specific dataset so that it adapts its behaviour, tone or knowledge to that task.'],
  ['Why split data into training and validation sets?', 'The validation set is held out from training so you can measure how well the model generalises; a falling validation loss means it is learning, a rising one means it is overfitting.'],
  ['What is LoRA?', 'LoRA (low-rank adaptation) freezes the base model and trains small low-rank matrices added to some layers, which cuts the memory and compute needed for fine-tuning.'],
  ['How many vCPUs does a Standard_NC24ads_A100_v4 VM have?', 'A Standard_NC24ads_A100_v4 virtual machine has 24 vCPUs, 220 GiB of memory and one NVIDIA A100 80 GB GPU.'],
  ['What is a learning rate?', 'The learning rate scales each update of the model weights. Too high and training diverges; too low and it crawls. Fine-tuning usually uses small values such as 2e-5.'],
  ['What is an epoch?', 'An epoch is one full pass over the training data. Small fine-tuning datasets often need one to three epochs.'],
  ['What is the capital of France?', 'The capital of France is Paris.'],
  ['How do I boil an egg?', 'Place the egg in boiling water: about 6 minutes gives a soft yolk, 9 to 10 minutes a firm one. Cool it in cold water before peeling.'],
  ['Explain photosynthesis in one sentence.', 'Photosynthesis is the process by which plants use sunlight, water and carbon dioxide to make glucose and release oxygen.'],
  ['What is JSON Lines?', 'JSON Lines is a text format with one complete JSON value per line, which makes large datasets easy to stream, split and append to.'],
  ['What is blue/green deployment?', 'Blue/green deployment runs the new version beside the old one and moves traffic to it only after it is healthy, so a bad release can be rolled back instantly.'],
  ['What is a managed online endpoint?', 'A managed online endpoint is an HTTPS endpoint in Azure Machine Learning that serves a model for real-time scoring on compute that Azure manages for you.'],
  ['Give me a tip for writing clear emails.', 'Put the request or the conclusion in the first sentence, keep one topic per email, and end with the exact next step you expect.'],
  ['What is the boiling point of water at sea level?', 'At sea level, water boils at 100 degrees Celsius (212 degrees Fahrenheit).'],
  ['What is a token in a language model?', 'A token is the unit of text a model reads and writes, often a word piece: common words are one token, rare words are split into several.'],
  ['How can I reduce overfitting?', 'Use more or more varied data, fewer epochs, a smaller learning rate, regularisation such as weight decay or dropout, and watch the validation loss.'],
  ['Who wrote "Pride and Prejudice"?', 'Jane Austen wrote "Pride and Prejudice", first published in 1813.'],
  ['What is Prompt flow?', 'Prompt flow is a tool in Azure Machine Learning and Azure AI Foundry for building, testing and deploying LLM applications as flows of prompts, Python tools and model calls.'],
];
const followUps = [
  ['Can you say that more briefly?', (a) => a.split(/[.;:]/)[0] + '.'],
  ['Thanks! Where can I learn more?', () => 'The official documentation is the best place to start; it has tutorials and reference pages with examples.'],
  ['Why does that matter?', () => 'Because it changes what you can build and how much it costs, so it is worth understanding before you start.'],
];

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function conversations(count, seed) {
  const random = rng(seed);
  const out = [];
  const seen = new Set();
  while (out.length < count) {
    const [question, answer] = facts[Math.floor(random() * facts.length)];
    const turns = 1 + Math.floor(random() * 3);
    const messages = [{ role: 'user', content: question }, { role: 'assistant', content: answer }];
    const used = new Set();
    for (let t = 1; t < turns; t++) {
      const index = Math.floor(random() * followUps.length);
      if (used.has(index)) continue;
      used.add(index);
      const [q, a] = followUps[index];
      messages.push({ role: 'user', content: q }, { role: 'assistant', content: a(answer) });
    }
    const key = JSON.stringify(messages);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ prompt: question, prompt_id: createHash('sha256').update(key).digest('hex'), messages });
  }
  return out;
}

const all = conversations(100, 2024);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'data');
mkdirSync(root, { recursive: true });
const write = (name, rows) => writeFileSync(join(root, name), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
write('train.jsonl', all.slice(0, 80));
write('validation.jsonl', all.slice(80));
console.log(`wrote ${root}/train.jsonl (80) and validation.jsonl (20)`);
