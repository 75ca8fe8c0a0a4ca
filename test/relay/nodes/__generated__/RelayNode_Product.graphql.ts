/**
 * @generated SignedSource<<b941b205b1dadc6f0b968785bad481e6>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ReaderFragment } from 'relay-runtime';
export type ProductType = "AVOIDANCE" | "BUNDLE" | "REMOVAL" | "%future added value";
import type { FragmentRefs } from "relay-runtime";
export type RelayNode_Product$data = {
  readonly availableQuantity: any;
  readonly countryCode: any | null | undefined;
  readonly createdAt: any;
  readonly description: string | null | undefined;
  readonly id: string;
  readonly isPublic: boolean;
  readonly name: string;
  readonly pricePerTonne: {
    readonly amount: any;
    readonly currency: any;
  };
  readonly productType: ProductType;
  readonly vintage: number | null | undefined;
  readonly " $fragmentType": "RelayNode_Product";
};
export type RelayNode_Product$key = {
  readonly " $data"?: RelayNode_Product$data;
  readonly " $fragmentSpreads": FragmentRefs<"RelayNode_Product">;
};

import RelayNodeProductRefetchQuery_graphql from './RelayNodeProductRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": RelayNodeProductRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "RelayNode_Product",
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "id",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "name",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "description",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "productType",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "countryCode",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "vintage",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "Money",
      "kind": "LinkedField",
      "name": "pricePerTonne",
      "plural": false,
      "selections": [
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "amount",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "currency",
          "storageKey": null
        }
      ],
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "availableQuantity",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "isPublic",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "createdAt",
      "storageKey": null
    }
  ],
  "type": "Product",
  "abstractKey": null
};

(node as any).hash = "37b3f74fe28b94beba47d717e4acbbb8";

export default node;
