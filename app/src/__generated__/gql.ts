/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query AppGroups {\n  groups {\n    id\n    name\n  }\n}\n\nquery AppResoldProducts($groupId: ID!, $after: String) {\n  resoldProducts(groupId: $groupId, first: 50, after: $after) {\n    nodes {\n      id\n      name\n      brandName\n      footprint {\n        total\n      }\n      yearlySalesVolumes {\n        year\n        tonnes\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery AppOffsetQuote($id: ID!, $year: Int!) {\n  resoldProduct(id: $id) {\n    id\n    offsetQuote(year: $year) {\n      mass {\n        amount\n        unit\n      }\n      totalCost {\n        amount\n        currency\n      }\n      allocations {\n        bundleName\n        projectName\n        mass {\n          amount\n          unit\n        }\n        cost {\n          amount\n          currency\n        }\n      }\n    }\n  }\n}\n\nmutation AppOffsetResoldProduct($input: OffsetResoldProductInput!) {\n  offsetResoldProduct(input: $input) {\n    offsetOrder {\n      ...AppOrderProgress\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}\n\nsubscription AppOffsetProgress($key: String!) {\n  offsetResoldProductProgress(idempotencyKey: $key) {\n    step\n    final\n    detail\n    order {\n      ...AppOrderProgress\n    }\n  }\n}\n\nquery AppOffsetCertificate($id: ID!) {\n  offsetOrder(id: $id) {\n    id\n    certificate {\n      url\n      expiresAt\n    }\n  }\n}\n\nfragment AppOrderProgress on OffsetOrder {\n  id\n  status\n  retirementStatus\n  retirementBlockedReason\n  offsetYear\n  mass {\n    amount\n    unit\n  }\n  totalCost {\n    amount\n    currency\n  }\n}": typeof types.AppGroupsDocument,
};
const documents: Documents = {
    "query AppGroups {\n  groups {\n    id\n    name\n  }\n}\n\nquery AppResoldProducts($groupId: ID!, $after: String) {\n  resoldProducts(groupId: $groupId, first: 50, after: $after) {\n    nodes {\n      id\n      name\n      brandName\n      footprint {\n        total\n      }\n      yearlySalesVolumes {\n        year\n        tonnes\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery AppOffsetQuote($id: ID!, $year: Int!) {\n  resoldProduct(id: $id) {\n    id\n    offsetQuote(year: $year) {\n      mass {\n        amount\n        unit\n      }\n      totalCost {\n        amount\n        currency\n      }\n      allocations {\n        bundleName\n        projectName\n        mass {\n          amount\n          unit\n        }\n        cost {\n          amount\n          currency\n        }\n      }\n    }\n  }\n}\n\nmutation AppOffsetResoldProduct($input: OffsetResoldProductInput!) {\n  offsetResoldProduct(input: $input) {\n    offsetOrder {\n      ...AppOrderProgress\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}\n\nsubscription AppOffsetProgress($key: String!) {\n  offsetResoldProductProgress(idempotencyKey: $key) {\n    step\n    final\n    detail\n    order {\n      ...AppOrderProgress\n    }\n  }\n}\n\nquery AppOffsetCertificate($id: ID!) {\n  offsetOrder(id: $id) {\n    id\n    certificate {\n      url\n      expiresAt\n    }\n  }\n}\n\nfragment AppOrderProgress on OffsetOrder {\n  id\n  status\n  retirementStatus\n  retirementBlockedReason\n  offsetYear\n  mass {\n    amount\n    unit\n  }\n  totalCost {\n    amount\n    currency\n  }\n}": types.AppGroupsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AppGroups {\n  groups {\n    id\n    name\n  }\n}\n\nquery AppResoldProducts($groupId: ID!, $after: String) {\n  resoldProducts(groupId: $groupId, first: 50, after: $after) {\n    nodes {\n      id\n      name\n      brandName\n      footprint {\n        total\n      }\n      yearlySalesVolumes {\n        year\n        tonnes\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery AppOffsetQuote($id: ID!, $year: Int!) {\n  resoldProduct(id: $id) {\n    id\n    offsetQuote(year: $year) {\n      mass {\n        amount\n        unit\n      }\n      totalCost {\n        amount\n        currency\n      }\n      allocations {\n        bundleName\n        projectName\n        mass {\n          amount\n          unit\n        }\n        cost {\n          amount\n          currency\n        }\n      }\n    }\n  }\n}\n\nmutation AppOffsetResoldProduct($input: OffsetResoldProductInput!) {\n  offsetResoldProduct(input: $input) {\n    offsetOrder {\n      ...AppOrderProgress\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}\n\nsubscription AppOffsetProgress($key: String!) {\n  offsetResoldProductProgress(idempotencyKey: $key) {\n    step\n    final\n    detail\n    order {\n      ...AppOrderProgress\n    }\n  }\n}\n\nquery AppOffsetCertificate($id: ID!) {\n  offsetOrder(id: $id) {\n    id\n    certificate {\n      url\n      expiresAt\n    }\n  }\n}\n\nfragment AppOrderProgress on OffsetOrder {\n  id\n  status\n  retirementStatus\n  retirementBlockedReason\n  offsetYear\n  mass {\n    amount\n    unit\n  }\n  totalCost {\n    amount\n    currency\n  }\n}"): (typeof documents)["query AppGroups {\n  groups {\n    id\n    name\n  }\n}\n\nquery AppResoldProducts($groupId: ID!, $after: String) {\n  resoldProducts(groupId: $groupId, first: 50, after: $after) {\n    nodes {\n      id\n      name\n      brandName\n      footprint {\n        total\n      }\n      yearlySalesVolumes {\n        year\n        tonnes\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery AppOffsetQuote($id: ID!, $year: Int!) {\n  resoldProduct(id: $id) {\n    id\n    offsetQuote(year: $year) {\n      mass {\n        amount\n        unit\n      }\n      totalCost {\n        amount\n        currency\n      }\n      allocations {\n        bundleName\n        projectName\n        mass {\n          amount\n          unit\n        }\n        cost {\n          amount\n          currency\n        }\n      }\n    }\n  }\n}\n\nmutation AppOffsetResoldProduct($input: OffsetResoldProductInput!) {\n  offsetResoldProduct(input: $input) {\n    offsetOrder {\n      ...AppOrderProgress\n    }\n    userErrors {\n      field\n      message\n      code\n    }\n  }\n}\n\nsubscription AppOffsetProgress($key: String!) {\n  offsetResoldProductProgress(idempotencyKey: $key) {\n    step\n    final\n    detail\n    order {\n      ...AppOrderProgress\n    }\n  }\n}\n\nquery AppOffsetCertificate($id: ID!) {\n  offsetOrder(id: $id) {\n    id\n    certificate {\n      url\n      expiresAt\n    }\n  }\n}\n\nfragment AppOrderProgress on OffsetOrder {\n  id\n  status\n  retirementStatus\n  retirementBlockedReason\n  offsetYear\n  mass {\n    amount\n    unit\n  }\n  totalCost {\n    amount\n    currency\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;