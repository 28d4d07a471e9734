// The `shelf` command's help text, one block per command. Must stay true to the options main.ts parses.

const BLOCKS = {
  import: `shelf import feed <file> [--out DIR]         Merchant Center feed (TSV, RSS/Atom XML) or JSON Lines
      [--server URL --space ID --bundle DIR [--token T]]   and push content vectors of items new to the space
shelf import history <file> [--out DIR]      CSV / JSON Lines (user or session, item, event, time) or GA4 export`,
  train: `shelf train [--in DIR] [--out BUNDLE]          learn item vectors and the device model (resumable)
      [--epochs 20 --minutes 60 --seed 42 --dim 32 --hidden 32 --ffn 64 --blocks 1 --max-len 20
       --batch 128 --negatives 512 --lr 0.003 --dropout 0.3 --name shelf-shop --version 1 --space ID
       --no-smoothing --no-progress --fresh --backend wasm|cpu]`,
  evaluate: `shelf evaluate [--in DIR] [--bundle BUNDLE]    held-out last event of each user: NDCG@10, HR@10
      [--current-order FILE] [--json FILE]            beside popularity and the shop's current order`,
  publish: `shelf publish --server URL [--token T] [BUNDLE] register the bundle as the server's new version
      [--not-current]                                 (token also from SHELF_ADMIN_TOKEN)`,
} as const;

export const USAGE = `usage:
${Object.values(BLOCKS).join('\n')}

DIR is the shop's working folder (default shelf-shop); BUNDLE defaults to DIR/bundle. docs/TRAINING.md has the details.`;

export function usageOf(command: keyof typeof BLOCKS): string {
  return `usage:\n${BLOCKS[command]}`;
}
