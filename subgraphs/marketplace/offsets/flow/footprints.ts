// Reads what a product's offset needs from the footprints subgraph, on the caller's behalf: the
// service credential with the caller's token, so footprints applies its own access rules to the buyer.
import { DomainError, ErrorCode, apiError } from '../../../../lib/errors.ts';
import { callService, type ServiceEndpoint } from '../../../../lib/service-call.ts';
import { yearlyEmissionGrams } from '../allocation.ts';

const PRODUCT = `query OffsetProductMeasure($id: ID!) { resoldProduct(id: $id) { id name footprint { total } yearlySalesVolumes { year tonnes } } }`;

interface ProductJson {
  id: string;
  name: string;
  footprint: { total: string } | null;
  yearlySalesVolumes: { year: number; tonnes: string }[];
}

/** One year of a product's emissions, as footprints states them. */
export interface ProductMeasurement {
  productName: string;
  /** kg CO2e per kg of product. */
  footprintKgPerKg: string;
  /** Tonnes of product sold in the year. */
  salesTonnes: string;
  /** Grams of CO2e: footprint x sales, rounded up (as `ResoldProduct.offsetQuote`). */
  grams: bigint;
}

/** The footprints subgraph (`serviceEndpoint(config, 'footprints')`) and the service credential. */
export type FootprintsEndpoint = ServiceEndpoint;

/**
 * The product's footprint and the year's sales volume. A product the caller cannot see is
 * NOT_FOUND, one without a footprint NO_FOOTPRINT, a year without sales (or without emissions)
 * NO_SALES_VOLUME; footprints being unreachable is UPSTREAM_UNAVAILABLE.
 */
export async function measureProduct(
  endpoint: FootprintsEndpoint,
  callerToken: string,
  productId: string,
  year: number,
): Promise<ProductMeasurement> {
  const answer = await callService<{ resoldProduct: ProductJson | null }>(
    'footprints',
    endpoint,
    { onBehalfOf: callerToken },
    PRODUCT,
    { id: productId },
  );
  if (answer.problem !== undefined) {
    if (answer.failure === 'unreachable')
      throw apiError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The footprints service is unavailable, try again later');
    throw apiError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The footprints service could not answer for this product');
  }
  const product = answer.data.resoldProduct;
  if (!product) throw new DomainError('NOT_FOUND', `Resold product ${productId} not found`, 'input.resoldProductId');
  if (!product.footprint)
    throw new DomainError('NO_FOOTPRINT', `Resold product ${productId} has no footprint yet`, 'input.resoldProductId');
  const sales = product.yearlySalesVolumes.find((v) => v.year === year);
  const grams = yearlyEmissionGrams(product, year);
  if (!sales || grams === null || grams <= 0n)
    throw new DomainError(
      'NO_SALES_VOLUME',
      `Resold product ${productId} has no sales volume (no emissions) for ${year}`,
      'input.year',
    );
  return {
    productName: product.name,
    footprintKgPerKg: String(product.footprint.total),
    salesTonnes: String(sales.tonnes),
    grams,
  };
}
