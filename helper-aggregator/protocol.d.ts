import { z } from 'zod';
export declare const HelperKeySchema: z.ZodObject<{
    keyId: z.ZodInt;
    publicKey: z.ZodString;
    sha256: z.ZodOptional<z.ZodString>;
}, z.core.$strip>;
export type HelperKey = z.infer<typeof HelperKeySchema>;
export declare const AggregateRequestSchema: z.ZodObject<{
    model: z.ZodString;
    round: z.ZodInt;
    params: z.ZodInt;
    reports: z.ZodArray<z.ZodObject<{
        id: z.ZodString;
        sealed: z.ZodString;
    }, z.core.$strip>>;
}, z.core.$strip>;
export type AggregateRequest = z.infer<typeof AggregateRequestSchema>;
export declare const AggregateResponseSchema: z.ZodObject<{
    batch: z.ZodString;
    included: z.ZodArray<z.ZodString>;
    rejected: z.ZodArray<z.ZodString>;
    share: z.ZodString;
}, z.core.$strip>;
export type AggregateResponse = z.infer<typeof AggregateResponseSchema>;
