// The carbon offset certificate of a completed offset order, as a PDF. The same renderer serves
// local mode and the contract fake of the offset-orders API, so both issue the same document.
import type { OffsetOrderRecord, OffsetRetirementRecord, OffsetRetirementShareRecord } from './source.ts';

/** The order's grams in one pooled retirement (or waiting in a pool), with what the registry recorded for it (null: unknown now). */
export interface CertificatePoolShare {
  share: OffsetRetirementShareRecord;
  registry: OffsetRetirementRecord[] | null;
}

/** The product year an order offsets (`offsetResoldProduct`), as footprints stated it when measured. */
export interface CertificateProduct {
  name: string;
  year: number;
  /** kg CO2e per kg of product. */
  footprintKgPerKg: string;
  /** Tonnes of product sold in the year. */
  salesTonnes: string;
}

const money = (m: { amount: { toFixed(n: number): string }; currency: string }) =>
  `${m.amount.toFixed(2)} ${m.currency}`;

const registryLine = (r: OffsetRetirementRecord) =>
  `${r.registry} ${r.serialization ?? '(no serial numbers)'}: ${r.tonnes.toString()} t for ${r.beneficiaryName ?? 'the beneficiary'}, retired ${r.retiredAt.toISOString().slice(0, 10)}`;

/** One line per share: the order's grams of a named pooled retirement and its state, or the grams still in a pool. */
function shareLine({ share, registry }: CertificatePoolShare): string {
  const r = share.retirement;
  if (!r)
    return `Pending: ${share.grams} g in the pool of project ${share.projectName}, retired with the tonne they complete.`;
  const state =
    r.status === 'RETIRED'
      ? registry?.length
        ? `retired: ${registry.map((x) => `${x.registry} ${x.serialization ?? '(no serial numbers)'} on ${x.retiredAt.toISOString().slice(0, 10)}`).join('; ')}`
        : 'retired'
      : r.status === 'BLOCKED'
        ? 'waiting for credits in the registry (retried)'
        : 'being retired in the registry';
  return `${r.name} (${r.tonnes} t of ${r.projectName}): ${share.grams} g of this order, ${state}.`;
}

/**
 * Renders the certificate: buyer, mass, projects and the allocation across bundles, and (when
 * `retirements` is given) the registry retirements of the order; `null` says the registry's
 * records could not be read just now. `shares` lists the order's share of each pooled retirement
 * and the grams still waiting in a pool.
 */
export async function renderOffsetCertificate(
  order: OffsetOrderRecord,
  retirements?: OffsetRetirementRecord[] | null,
  shares: readonly CertificatePoolShare[] = [],
  product: CertificateProduct | null = null,
): Promise<Buffer> {
  // Loaded on the first certificate, not at start: pdfkit holds its fonts in memory (about 9 MB).
  const { default: PDFDocument } = await import('pdfkit');
  // Uncompressed and dated by the order, so the document is reproducible and its text searchable.
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    compress: false,
    info: {
      Title: `Carbon Offset Certificate ${order.id}`,
      Subject: `${order.mass.toString()} t CO2e offset for ${order.beneficiary ?? 'the buyer'}`,
      Author: 'Carbon marketplace',
      CreationDate: order.createdAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(24).text('Carbon Offset Certificate', { align: 'center' });
  doc.moveDown();
  doc.font('Helvetica').fontSize(12).text('This certifies that', { align: 'center' });
  doc
    .font('Helvetica-Bold')
    .fontSize(18)
    .text(order.beneficiary ?? 'the buyer', { align: 'center' });
  doc.font('Helvetica').fontSize(12).text('has offset', { align: 'center' });
  doc.font('Helvetica-Bold').fontSize(18).text(`${order.mass.toString()} tonnes of CO2e`, { align: 'center' });
  doc.moveDown();
  doc.font('Helvetica').fontSize(10);
  doc.text(`Order: ${order.id}`);
  doc.text(`Date: ${order.createdAt.toISOString().slice(0, 10)}`);
  doc.text(`Total cost: ${money(order.totalCost)}`);
  if (order.estimateId) doc.text(`Emission estimate: ${order.estimateId}`);
  if (product) {
    doc.moveDown();
    doc.font('Helvetica-Bold').fontSize(12).text('Product offset');
    doc.font('Helvetica').fontSize(10);
    doc.text(`Product: ${product.name}`);
    doc.text(`Footprint: ${product.footprintKgPerKg} kg CO2e per kg of product`);
    doc.text(`Sales volume: ${product.salesTonnes} t of product sold in ${product.year}`);
    doc.text(
      `Emissions offset: ${product.footprintKgPerKg} kg/kg x ${product.salesTonnes} t = ${order.mass.toString()} t CO2e (rounded up to the gram)`,
    );
  }
  doc.moveDown();
  doc.font('Helvetica-Bold').fontSize(12).text('Projects');
  doc.font('Helvetica').fontSize(10);
  for (const name of new Set(order.allocations.map((a) => a.projectName))) doc.text(`- ${name}`);
  doc.moveDown();
  doc.font('Helvetica-Bold').fontSize(12).text('Allocation');
  doc.font('Helvetica').fontSize(10);
  for (const a of order.allocations) {
    doc.text(
      `${a.projectName} (${a.bundleName}): ${a.mass.toString()} t at ${money(a.unitPrice)} per tonne = ${money(a.cost)}`,
    );
  }
  if (retirements !== undefined) {
    doc.moveDown();
    doc.font('Helvetica-Bold').fontSize(12).text('Registry retirements');
    doc.font('Helvetica').fontSize(10);
    if (retirements === null) doc.text('The registry retirement records are not available right now.');
    else if (retirements.length === 0 && shares.length === 0)
      doc.text('No registry retirements are recorded for this order yet.');
    for (const r of retirements ?? []) doc.text(registryLine(r));
    for (const share of shares) doc.text(shareLine(share));
  }
  doc.end();
  return done;
}
