/**
 * @generated SignedSource<<37354c44eecdc45dfb87338ac1f98a8d>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ReaderFragment } from 'relay-runtime';
import type { FragmentRefs } from "relay-runtime";
export type RelayNode_Supplier$data = {
  readonly countryCode: any | null | undefined;
  readonly createdAt: any;
  readonly description: string | null | undefined;
  readonly featured: boolean;
  readonly id: string;
  readonly isPublic: boolean;
  readonly methodologyCode: string | null | undefined;
  readonly name: string;
  readonly " $fragmentType": "RelayNode_Supplier";
};
export type RelayNode_Supplier$key = {
  readonly " $data"?: RelayNode_Supplier$data;
  readonly " $fragmentSpreads": FragmentRefs<"RelayNode_Supplier">;
};

import RelayNodeSupplierRefetchQuery_graphql from './RelayNodeSupplierRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": RelayNodeSupplierRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "RelayNode_Supplier",
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
      "name": "isPublic",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "createdAt",
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
      "name": "methodologyCode",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "featured",
      "storageKey": null
    }
  ],
  "type": "Supplier",
  "abstractKey": null
};

(node as any).hash = "fceaf023234a6a5f857241253241addb";

export default node;
