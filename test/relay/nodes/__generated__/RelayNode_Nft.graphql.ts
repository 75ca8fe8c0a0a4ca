/**
 * @generated SignedSource<<9a73b53a7a4cd226b8c5959d5f5866be>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ReaderFragment } from 'relay-runtime';
export type MassUnit = "G" | "KG" | "T" | "%future added value";
import type { FragmentRefs } from "relay-runtime";
export type RelayNode_Nft$data = {
  readonly availableQuantity: any;
  readonly createdAt: any;
  readonly id: string;
  readonly isPublic: boolean;
  readonly name: string;
  readonly quantity: {
    readonly amount: any;
    readonly unit: MassUnit;
  };
  readonly tokenAddress: string;
  readonly tokenId: string;
  readonly " $fragmentType": "RelayNode_Nft";
};
export type RelayNode_Nft$key = {
  readonly " $data"?: RelayNode_Nft$data;
  readonly " $fragmentSpreads": FragmentRefs<"RelayNode_Nft">;
};

import RelayNodeNftRefetchQuery_graphql from './RelayNodeNftRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": RelayNodeNftRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "RelayNode_Nft",
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
      "name": "tokenAddress",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "tokenId",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "Mass",
      "kind": "LinkedField",
      "name": "quantity",
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
          "name": "unit",
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
  "type": "Nft",
  "abstractKey": null
};

(node as any).hash = "6cee313d1bb438727daf93a348372a6e";

export default node;
