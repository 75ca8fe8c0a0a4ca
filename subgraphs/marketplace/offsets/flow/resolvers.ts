// Offsetting a resold product: arguments -> the flow -> GraphQL shape, and the links between
// offset orders and the products they offset.
import { requireViewer } from '../../../../lib/auth.ts';
import { apiError, ErrorCode, mutationPayload } from '../../../../lib/errors.ts';
import type { MutationResolvers } from '../../__generated__/resolvers-types.ts';
import type { Context } from '../../context.ts';
import { offsetProductRequest } from './input.ts';

export const offsetProductMutations: MutationResolvers<Context> = {
  offsetResoldProduct: (_root, { input }, ctx) =>
    mutationPayload('offsetOrder', async () => {
      requireViewer(ctx);
      offsetProductRequest(input);
      throw apiError(ErrorCode.INTERNAL_SERVER_ERROR, 'Offsetting a product is not available yet');
    }),
};
