// Clients of the two registry upstreams. The route tables below are the one place that knows
// their paths and body shapes.
//
// ICR (../shared/seeds/001_e64f4de24ea2d133.txt): every request carries `x-icr-api-version`
// (ICR_API_VERSION, default 2023-06-16). Lists page with `limit` and a zero-based `page` (the
// seed's example is page 0) and answer `{ pagination: { total, … }, <items> }`.
// Where the seed is silent, these are the REST-conventional choices made:
// - Authentication: `Authorization: Bearer <ICR_API_TOKEN>`, the platform's ICR API key. The
//   platform acts for its users: on organization requests of a non-admin it names the acting
//   user in `x-icr-on-behalf-of` (the user's email) and the ICR answers 403 unless that user is
//   a member of the organization. Platform admins read without it (the platform key reads all).
// - Errors: `{ message }` bodies; 404 unknown credit or request, 422 not enough tonnes,
//   409 request already reviewed, 400 other invalid input.
// - Token lookup for NFT.credit: `GET /credits?token=<address>:<id>` (repeatable) answers
//   `{ credits: [...] }`, the token-level view (no organizationId, amount = tonnes in circulation).
// - Project by id: `GET /projects/{id}` (the path of the project `url` the seed shows).
// - Public retirements: `GET /retirements?limit&page[&offsetOrderId…]` answers
//   `{ pagination, retirements: [...] }` newest first; the offset order a retirement fulfils
//   travels as `retirementData.offsetOrderId` on actions and requests.
// - Idempotency: `Idempotency-Key` on action and request POSTs (see ICR_IDEMPOTENCY_HEADER).
// - Review: body `{ state: "Accepted" | "Rejected" }`, answer `{ id }` (as in the seed).
// - Retirements for offset orders (service only): the platform key alone (no on-behalf user)
//   reads the offset organization's inventory and POSTs one `retire` action per credit with
//   `Idempotency-Key: <key>:<creditId>`; the retirement comment names the key (rules.ts
//   `offsetRetirementComment`), so `GET /retirements?offsetOrderId=…` tells what a key already did.
//
// CO2Trust Puro integration (/puro/* of ../shared/seeds/000_7aa04813252c030c.txt): public,
// `page` (1-based) and `size`, answered like every CO2Trust list: `{ items, total, page, size,
// pages }`. Inventory filters are the seed's (`credit_type_code`, `country_code`,
// `production_facility_id`, `issuance_id`, `vintage`); `order_by` is the snake_case field, with
// a leading `-` for descending. Assumed beyond the seed: `/puro/retirement` also filters by
// `offset_order_id` (repeatable), and credit types answer a plain JSON array.
import type { Config } from '../../../lib/config.ts';
import { upstreamClient, type UpstreamClient } from '../../../lib/http-client.ts';
import type { Logger } from '../../../lib/logger.ts';

const org = (id: string) => `/organizations/${encodeURIComponent(id)}`;

export const ICR_ROUTES = {
  inventory: (id: string) => `${org(id)}/inventory`,
  requests: (id: string) => `${org(id)}/inventory/requests`,
  request: (id: string, requestId: string) => `${org(id)}/inventory/requests/${encodeURIComponent(requestId)}`,
  action: (id: string, action: IcrAction) => `${org(id)}/inventory/action/${action}`,
  requestAction: (id: string, action: IcrAction) => `${org(id)}/inventory/requests/${action}`,
  review: (id: string, requestId: string) => `${org(id)}/inventory/request/${encodeURIComponent(requestId)}/review`,
  credits: '/credits',
  project: (id: string) => `/projects/${encodeURIComponent(id)}`,
  retirements: '/retirements',
} as const;

export const PURO_ROUTES = {
  inventory: '/puro/inventory',
  retirements: '/puro/retirement',
  creditTypes: '/puro/sales-channel-services/v1/credit-types',
} as const;

export const ICR_ON_BEHALF_HEADER = 'x-icr-on-behalf-of';
/** Assumed: the ICR honours `Idempotency-Key` on actions and requests (same key + same body → the first request; different body → 409). */
export const ICR_IDEMPOTENCY_HEADER = 'idempotency-key';

export type IcrAction = 'transfer' | 'retire' | 'transfer_retire' | 'cancel';
export type IcrCreditType = 'exAnte' | 'exPost';

export interface IcrProject {
  id: string;
  fullName: string;
  url: string | null;
  publicUrl: string | null;
  num: string | null;
}

export interface IcrCredit {
  organizationId?: string | null;
  id: string;
  tokenId: string;
  tokenAddress: string;
  project: IcrProject;
  serialization: string | null;
  vintage: string;
  supply: number;
  unit: 'tonne';
  amount: number;
  type: IcrCreditType;
}

export interface IcrInventory {
  credits: IcrCredit[];
  organizationId: string;
}

export interface IcrPagination {
  total: number;
  currentPage: number;
  pageCount: number;
  nextPage: number | null;
  prevPage: number | null;
}

export interface IcrCreditRequest {
  action: IcrAction;
  type: IcrCreditType;
  id: string;
  toAddress: string | null;
  createdAt: string;
  updatedAt: string;
  tokenId: string;
  tokenAddress: string;
  creditId: string;
  serialization: string | null;
  vintage: string;
  amount: number;
  fromOrganizationId: string;
  toOrganizationId: string | null;
  project: IcrProject | null;
  txId: string | null;
  state: 'pending' | 'processed' | 'rejected';
  transactionData?: { creditId: string; tokenId: string; amount: number; serialization: string } | null;
  retirementId: string | null;
  retirementReason: string | null;
  retirementComment: string | null;
  beneficiaryName: string | null;
  offsetOrderId?: string | null;
}

export interface IcrActionBody {
  creditId: string;
  amount: number;
  toOrganizationId?: string;
  toAddress?: string;
  retirementData?: { reason: string; beneficiaryName: string; comment: string; offsetOrderId?: string };
}

export interface IcrRetirement {
  id: string;
  creditId: string;
  tokenId: string;
  tokenAddress: string;
  project: IcrProject | null;
  serialization: string | null;
  vintage: string;
  amount: number;
  organizationId: string | null;
  beneficiaryName: string | null;
  retirementReason: string | null;
  retirementComment: string | null;
  offsetOrderId: string | null;
  txId: string | null;
  createdAt: string;
}

export interface PuroPage<T> {
  items: T[];
  total: number;
  page: number;
  size: number;
  pages: number;
}

export interface PuroInventoryItemWire {
  id: string;
  credit_type_code: string;
  country_code: string;
  production_facility_id: string;
  production_facility_name: string | null;
  issuance_id: string;
  vintage: number;
  quantity: string;
  serial_number_range: string | null;
}

export interface PuroRetirementWire {
  id: string;
  beneficiary_name: string | null;
  retirement_reason: string | null;
  comment: string | null;
  quantity: string;
  vintage: number | null;
  serial_number_range: string | null;
  retired_at: string;
  offset_order_id: string | null;
}

export interface PuroCreditTypeWire {
  code: string;
  name: string;
  description: string | null;
}

/** One keep-alive ICR client per process; the API key and version go on every request. */
export function createIcrClient(config: Config, logger: Logger): UpstreamClient {
  return upstreamClient(config, logger, {
    name: 'icr',
    baseUrl: config.ICR_BASE_URL,
    routes: ICR_ROUTES,
    headers: () => ({
      'x-icr-api-version': config.ICR_API_VERSION,
      ...(config.ICR_API_TOKEN ? { authorization: `Bearer ${config.ICR_API_TOKEN}` } : {}),
    }),
  });
}

/** One keep-alive client for the CO2Trust Puro integration (public endpoints). */
export function createPuroClient(config: Config, logger: Logger): UpstreamClient {
  return upstreamClient(config, logger, {
    name: 'co2trust',
    baseUrl: config.CO2TRUST_BASE_URL,
    routes: PURO_ROUTES,
  });
}
