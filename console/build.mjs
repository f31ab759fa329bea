// Builds console/dist/ for the gateway jar (classpath folder console-ui/): our own pages, scripts
// and styles from src/, and the terminal player's dist files (asciinema-player, pinned in
// package-lock.json) under assets/vendor/. No bundler: plain copies. Run with `npm run build`
// after `npm ci`; bin/run and bin/test do both.
import { cpSync, mkdirSync, rmSync, existsSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const player = join(root, 'node_modules', 'asciinema-player');
const vendor = [
  ['dist/bundle/asciinema-player.min.js', 'asciinema-player.min.js'],
  ['dist/bundle/asciinema-player.css', 'asciinema-player.css'],
  ['LICENSE', 'asciinema-player.LICENSE.txt'],
];

if (!existsSync(join(player, 'package.json'))) {
  console.error('console/build.mjs: node_modules/asciinema-player is missing: run `npm ci` in console/ first');
  process.exit(1);
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets', 'vendor'), { recursive: true });
cpSync(join(root, 'src', 'pages'), join(dist, 'pages'), { recursive: true });
cpSync(join(root, 'src', 'assets'), join(dist, 'assets'), { recursive: true });
for (const [from, to] of vendor) {
  const source = join(player, from);
  if (existsSync(source)) cpSync(source, join(dist, 'assets', 'vendor', to));
  else if (!from.endsWith('LICENSE')) {
    console.error(`console/build.mjs: ${source} is missing`);
    process.exit(1);
  }
}
const version = JSON.parse(readFileSync(join(player, 'package.json'), 'utf8')).version;
writeFileSync(join(dist, 'BUILD.txt'), `gatehouse console; asciinema-player ${version}\n`);
console.log(`console/build.mjs: wrote ${dist} (asciinema-player ${version})`);
