/**
 * @generated SignedSource<<afb8fe3f550714e8e19426c1fe1b8550>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ReaderFragment } from 'relay-runtime';
export type MassUnit = "G" | "KG" | "T" | "%future added value";
export type OffsetOrderStatus = "CANCELLED" | "COMPLETE" | "FAILED" | "PAID" | "PLACED" | "RECEIVED" | "RETIRING" | "UNKNOWN" | "%future added value";
export type OffsetOrderType = "BY_ESTIMATE" | "BY_MASS" | "BY_VALUE" | "UNKNOWN" | "%future added value";
export type OffsetRetirementStatus = "BLOCKED" | "PENDING" | "RETIRED" | "%future added value";
import type { FragmentRefs } from "relay-runtime";
export type RelayNode_OffsetOrder$data = {
  readonly beneficiary: string | null | undefined;
  readonly createdAt: any;
  readonly estimateId: string | null | undefined;
  readonly id: string;
  readonly idempotencyKey: string | null | undefined;
  readonly mass: {
    readonly amount: any;
    readonly unit: MassUnit;
  } | null | undefined;
  readonly maximumSpend: {
    readonly amount: any;
    readonly currency: any;
  } | null | undefined;
  readonly offsetYear: number | null | undefined;
  readonly retirementBlockedReason: string | null | undefined;
  readonly retirementStatus: OffsetRetirementStatus | null | undefined;
  readonly status: OffsetOrderStatus;
  readonly totalCost: {
    readonly amount: any;
    readonly currency: any;
  } | null | undefined;
  readonly type: OffsetOrderType;
  readonly " $fragmentType": "RelayNode_OffsetOrder";
};
export type RelayNode_OffsetOrder$key = {
  readonly " $data"?: RelayNode_OffsetOrder$data;
  readonly " $fragmentSpreads": FragmentRefs<"RelayNode_OffsetOrder">;
};

import RelayNodeOffsetOrderRefetchQuery_graphql from './RelayNodeOffsetOrderRefetchQuery.graphql';

const node: ReaderFragment = (function(){
var v0 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "amount",
  "storageKey": null
},
v1 = [
  (v0/*:: as any*/),
  {
    "alias": null,
    "args": null,
    "kind": "ScalarField",
    "name": "currency",
    "storageKey": null
  }
];
return {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": RelayNodeOffsetOrderRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "RelayNode_OffsetOrder",
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
      "name": "idempotencyKey",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "type",
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
      "concreteType": "Mass",
      "kind": "LinkedField",
      "name": "mass",
      "plural": false,
      "selections": [
        (v0/*:: as any*/),
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
      "concreteType": "Money",
      "kind": "LinkedField",
      "name": "totalCost",
      "plural": false,
      "selections": (v1/*:: as any*/),
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "Money",
      "kind": "LinkedField",
      "name": "maximumSpend",
      "plural": false,
      "selections": (v1/*:: as any*/),
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "estimateId",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "beneficiary",
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
      "name": "retirementStatus",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "offsetYear",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "retirementBlockedReason",
      "storageKey": null
    }
  ],
  "type": "OffsetOrder",
  "abstractKey": null
};
})();

(node as any).hash = "1a64e27fcdee15d8ead81ae456f58f31";

export default node;
