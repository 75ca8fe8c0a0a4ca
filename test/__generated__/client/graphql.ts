/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Where a payment transaction stands. */
export type PaymentTransactionStatus =
  /** Settled: counted in the payee's available balance and in the statistics. */
  | 'COMPLETED'
  /** Did not go through; nothing was paid. */
  | 'FAILED'
  /** Started and not yet settled; not counted in balances or statistics. */
  | 'PENDING'
  /** A status the upstream payment services answered that this API does not know yet; never accepted as input. */
  | 'UNKNOWN';

export type SignInMutationVariables = Exact<{
  email: string;
}>;


export type SignInMutation = { authenticate: { accessToken: string | null, user: { id: string } | null, userErrors: Array<{ code: string, message: string }> } };

export type AcrossSubgraphsQueryVariables = Exact<{
  nft: string | number;
  product: string | number;
}>;


export type AcrossSubgraphsQuery = { me: { id: string, orders: { nodes: Array<{ id: string, totalPrice: { amount: string, currency: string }, payments: { nodes: Array<{ status: PaymentTransactionStatus, amount: { amount: string, currency: string } }> } }> } } | null, nft: { tokenId: string, credit: { serialization: string | null, vintage: number | null } | null } | null, resoldProduct: { id: string, name: string, footprint: { total: string } | null } | null };


export const SignInDocument = {"__meta__":{"hash":"sha256:3cd39d38fe1ec4da72e6ecfcd64a9070f9a2b8e84ff74e3d18ee8d4527938fdb"}} as unknown as DocumentNode<SignInMutation, SignInMutationVariables>;
export const AcrossSubgraphsDocument = {"__meta__":{"hash":"sha256:f051ce3b5fc6c1a40c241af658db1f8773d1e645293a6f9472eb68c77d583fbd"}} as unknown as DocumentNode<AcrossSubgraphsQuery, AcrossSubgraphsQueryVariables>;