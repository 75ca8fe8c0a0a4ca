/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** An amount of money given to the marketplace, e.g. a price. */
export type MarketplaceMoneyInput = {
  /** Non-negative amount, at most the currency's minor-unit precision. */
  amount: string;
  /** ISO 4217 currency of the amount. */
  currency: string;
};

/** Units of mass. */
export type MassUnit =
  /** Grams. */
  | 'G'
  /** Kilograms. */
  | 'KG'
  /** Metric tonnes. */
  | 'T';

/** Where an offset order stands; a certificate exists once it is COMPLETE. */
export type OffsetOrderStatus =
  /** Cancelled before completion; nothing is charged. */
  | 'CANCELLED'
  /** Credits retired; the certificate is available. */
  | 'COMPLETE'
  /** The provider could not fulfil the order. */
  | 'FAILED'
  /** Paid; the credits are being bought. */
  | 'PAID'
  /** Allocated and priced; waiting for payment. */
  | 'PLACED'
  /** Accepted by the provider; not yet allocated to bundles or priced. */
  | 'RECEIVED'
  /** The credits are being retired on the buyer's behalf. */
  | 'RETIRING'
  /** A status the offset-orders provider added after this API was written. */
  | 'UNKNOWN';

/** A step of an offset order, from the buyer's side. */
export type OffsetOrderStep =
  /** Every gram is retired in the registry; the certificate is ready (final). */
  | 'CERTIFICATE_READY'
  /** A product offset run has measured the footprint and quoted it; no order yet (`offsetResoldProductProgress`). */
  | 'MEASURED'
  /** The order is placed (allocated and priced); its payment is not recorded yet. */
  | 'ORDERED'
  /** The payment is recorded; the credits are being retired. */
  | 'PAID'
  /** The order was refused, cancelled or failed; nothing is charged (final). */
  | 'REFUSED'
  /** The registry refuses a pooled retirement of the order (e.g. too few credits); retried until an operator tops the inventory up. */
  | 'RETIREMENT_BLOCKED'
  /** No order with this key yet (the stream was opened before the order was placed). */
  | 'WAITING'
  /**
   * Sold and paid; the order's grams wait in a project's pool until the pool fills a whole tonne,
   * which the registry retires as one pooled retirement (the registry retires whole tonnes only).
   * This can last until other buyers' orders complete the tonne; the certificate is ready then.
   */
  | 'WAITING_FOR_POOLED_TONNE';

/** A product's yearly emissions to offset. */
export type OffsetResoldProductInput = {
  /** The name the certificate is issued to. At most 200 characters. */
  beneficiary?: string | null | undefined;
  /** Makes retries safe: 1 to 200 printable characters, unique per buyer. */
  idempotencyKey: string;
  /** The most the buyer will pay, in the order's currency; a higher quote buys nothing. */
  maximumSpend?: MarketplaceMoneyInput | null | undefined;
  /** The resold product (footprints) whose emissions are offset. At most 255 characters. */
  resoldProductId: string | number;
  /** The calendar year of sales to offset, e.g. 2025. */
  year: number;
};

/** Where the registry retirement of sold offsets stands. */
export type OffsetRetirementStatus =
  /** Refused by the registry (e.g. the offset inventory holds too few credits); retried with backoff until an operator tops the inventory up. */
  | 'BLOCKED'
  /** Waiting in a project's pool for a whole tonne, or for the registry to record the retirement. */
  | 'PENDING'
  /** Recorded in the registry. */
  | 'RETIRED';

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

export type AppGroupsQueryVariables = Exact<{ [key: string]: never; }>;


export type AppGroupsQuery = { groups: Array<{ id: string, name: string }> | null };

export type AppResoldProductsQueryVariables = Exact<{
  groupId: string | number;
  after?: string | null | undefined;
}>;


export type AppResoldProductsQuery = { resoldProducts: { nodes: Array<{ id: string, name: string, brandName: string | null, footprint: { total: string } | null, yearlySalesVolumes: Array<{ year: number, tonnes: string }> }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } | null };

export type AppOffsetQuoteQueryVariables = Exact<{
  id: string | number;
  year: number;
}>;


export type AppOffsetQuoteQuery = { resoldProduct: { id: string, offsetQuote: { mass: { amount: string, unit: MassUnit }, totalCost: { amount: string, currency: string }, allocations: Array<{ bundleName: string, projectName: string | null, mass: { amount: string, unit: MassUnit }, cost: { amount: string, currency: string } }> } | null } | null };

export type AppOffsetResoldProductMutationVariables = Exact<{
  input: OffsetResoldProductInput;
}>;


export type AppOffsetResoldProductMutation = { offsetResoldProduct: { offsetOrder: { id: string, status: OffsetOrderStatus, retirementStatus: OffsetRetirementStatus | null, retirementBlockedReason: string | null, offsetYear: number | null, mass: { amount: string, unit: MassUnit } | null, totalCost: { amount: string, currency: string } | null } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: string }> } };

export type AppOffsetProgressSubscriptionVariables = Exact<{
  key: string;
}>;


export type AppOffsetProgressSubscription = { offsetResoldProductProgress: { step: OffsetOrderStep, final: boolean, detail: string | null, order: { id: string, status: OffsetOrderStatus, retirementStatus: OffsetRetirementStatus | null, retirementBlockedReason: string | null, offsetYear: number | null, mass: { amount: string, unit: MassUnit } | null, totalCost: { amount: string, currency: string } | null } | null } };

export type AppOffsetCertificateQueryVariables = Exact<{
  id: string | number;
}>;


export type AppOffsetCertificateQuery = { offsetOrder: { id: string, certificate: { url: string, expiresAt: string } | null } | null };

export type AppOrderProgressFragment = { id: string, status: OffsetOrderStatus, retirementStatus: OffsetRetirementStatus | null, retirementBlockedReason: string | null, offsetYear: number | null, mass: { amount: string, unit: MassUnit } | null, totalCost: { amount: string, currency: string } | null };

export type SignInMutationVariables = Exact<{
  email: string;
}>;


export type SignInMutation = { authenticate: { accessToken: string | null, user: { id: string } | null, userErrors: Array<{ code: string, message: string }> } };

export type AcrossSubgraphsQueryVariables = Exact<{
  nft: string | number;
  product: string | number;
}>;


export type AcrossSubgraphsQuery = { me: { id: string, orders: { nodes: Array<{ id: string, totalPrice: { amount: string, currency: string }, payments: { nodes: Array<{ status: PaymentTransactionStatus, amount: { amount: string, currency: string } }> } }> } } | null, nft: { tokenId: string, credit: { serialization: string | null, vintage: number | null } | null } | null, resoldProduct: { id: string, name: string, footprint: { total: string } | null } | null };

export const AppOrderProgressFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AppOrderProgress"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"OffsetOrder"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"retirementStatus"}},{"kind":"Field","name":{"kind":"Name","value":"retirementBlockedReason"}},{"kind":"Field","name":{"kind":"Name","value":"offsetYear"}},{"kind":"Field","name":{"kind":"Name","value":"mass"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}}]}},{"kind":"Field","name":{"kind":"Name","value":"totalCost"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]} as unknown as DocumentNode<AppOrderProgressFragment, unknown>;
export const AppGroupsDocument = {"__meta__":{"hash":"sha256:6519d183c356dd7a75ee6c4525877591f829482a7bb57275af7841318597bbfb"}} as unknown as DocumentNode<AppGroupsQuery, AppGroupsQueryVariables>;
export const AppResoldProductsDocument = {"__meta__":{"hash":"sha256:fc338d8307705e768b72bb99c0bc9a174feac8de2e7cfd5929d27bfc440f678b"}} as unknown as DocumentNode<AppResoldProductsQuery, AppResoldProductsQueryVariables>;
export const AppOffsetQuoteDocument = {"__meta__":{"hash":"sha256:6c4f005ac458b125bac316a9eb49e9086431175c9097887078098b4b4248b343"}} as unknown as DocumentNode<AppOffsetQuoteQuery, AppOffsetQuoteQueryVariables>;
export const AppOffsetResoldProductDocument = {"__meta__":{"hash":"sha256:8ea803adc48172e13c2bc59b16fc8842e364e99ee88c85eec17261d206787260"}} as unknown as DocumentNode<AppOffsetResoldProductMutation, AppOffsetResoldProductMutationVariables>;
export const AppOffsetProgressDocument = {"__meta__":{"hash":"sha256:c2c74b850d9c825642689ac16d23cc877cd96672189a27d35067c4e108d63db1"}} as unknown as DocumentNode<AppOffsetProgressSubscription, AppOffsetProgressSubscriptionVariables>;
export const AppOffsetCertificateDocument = {"__meta__":{"hash":"sha256:be5278de8f743824d19c1569e29c84ebbb81300152edb7cf3ab6ac897b4240aa"}} as unknown as DocumentNode<AppOffsetCertificateQuery, AppOffsetCertificateQueryVariables>;
export const SignInDocument = {"__meta__":{"hash":"sha256:3cd39d38fe1ec4da72e6ecfcd64a9070f9a2b8e84ff74e3d18ee8d4527938fdb"}} as unknown as DocumentNode<SignInMutation, SignInMutationVariables>;
export const AcrossSubgraphsDocument = {"__meta__":{"hash":"sha256:f051ce3b5fc6c1a40c241af658db1f8773d1e645293a6f9472eb68c77d583fbd"}} as unknown as DocumentNode<AcrossSubgraphsQuery, AcrossSubgraphsQueryVariables>;