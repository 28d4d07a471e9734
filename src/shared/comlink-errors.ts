// Makes ShelfError survive the worker boundary with its `code`: comlink's default handler keeps only
// name/message/stack. Both sides call installErrorTransfer() before any call crosses.
import { transferHandlers, type TransferHandler } from 'comlink';
import { isShelfError, ShelfError, type ShelfErrorData } from './errors.js';

type Thrown = { value: unknown };
type Wire = { isError: true; value: ShelfErrorData } | { isError: false; value: unknown };

const original = transferHandlers.get('throw') as TransferHandler<Thrown, Wire> | undefined;

export function installErrorTransfer(): void {
  if (!original) return;
  const handler: TransferHandler<Thrown, Wire> = {
    canHandle: (value: unknown): value is Thrown => original.canHandle(value),
    serialize: ({ value }) => {
      if (value instanceof Error || isShelfError(value)) {
        const data: ShelfErrorData = isShelfError(value)
          ? { code: value.code, message: value.message, ...(value.stack ? { stack: value.stack } : {}) }
          : { code: 'internal', message: (value as Error).message, ...((value as Error).stack ? { stack: (value as Error).stack! } : {}) };
        return [{ isError: true, value: data }, []];
      }
      return [{ isError: false, value }, []];
    },
    deserialize: (wire) => {
      throw wire.isError ? ShelfError.fromData(wire.value) : wire.value;
    },
  };
  transferHandlers.set('throw', handler);
}
