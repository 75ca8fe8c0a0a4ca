/**
 * @generated SignedSource<<30d404e1acc666badcc020fb51832996>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ReaderFragment } from 'relay-runtime';
export type MassUnit = "G" | "KG" | "T" | "%future added value";
export type OffsetRetirementStatus = "BLOCKED" | "PENDING" | "RETIRED" | "%future added value";
import type { FragmentRefs } from "relay-runtime";
export type RelayNode_OffsetPoolRetirement$data = {
  readonly blockedReason: string | null | undefined;
  readonly createdAt: any;
  readonly id: string;
  readonly mass: {
    readonly amount: any;
    readonly unit: MassUnit;
  };
  readonly name: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly status: OffsetRetirementStatus;
  readonly " $fragmentType": "RelayNode_OffsetPoolRetirement";
};
export type RelayNode_OffsetPoolRetirement$key = {
  readonly " $data"?: RelayNode_OffsetPoolRetirement$data;
  readonly " $fragmentSpreads": FragmentRefs<"RelayNode_OffsetPoolRetirement">;
};

import RelayNodeOffsetPoolRetirementRefetchQuery_graphql from './RelayNodeOffsetPoolRetirementRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": RelayNodeOffsetPoolRetirementRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "RelayNode_OffsetPoolRetirement",
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
      "name": "projectId",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "projectName",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "Mass",
      "kind": "LinkedField",
      "name": "mass",
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
      "name": "status",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "blockedReason",
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
  "type": "OffsetPoolRetirement",
  "abstractKey": null
};

(node as any).hash = "3923ca5b38e3bae937783e6ba93f6ecd";

export default node;
