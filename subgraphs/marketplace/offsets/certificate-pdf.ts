// The carbon offset certificate of a completed offset order, as a PDF. The same renderer serves
// local mode and the contract fake of the offset-orders API, so both issue the same document.
import PDFDocument from 'pdfkit';
import type { OffsetOrderView, OffsetRetirementRecord } from './source.ts';

const money = (m: { amount: { toFixed(n: number): string }; currency: string } | null) => (m ? `${m.amount.toFixed(2)} ${m.currency}` : 'not priced yet');
const tonnesOf = (mass: { toString(): string } | null) => mass?.toString() ?? 'an unknown number of';

/**
 * Renders the certificate: buyer, mass, projects and the allocation across bundles, and (when
 * `retirements` is given) the registry retirements of the order; `null` says the registry's
 * records could not be read just now.
 */
export function renderOffsetCertificate(order: OffsetOrderView, retirements?: OffsetRetirementRecord[] | null): Promise<Buffer> {
  // Uncompressed and dated by the order, so the document is reproducible and its text searchable.
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    compress: false,
    info: {
      Title: `Carbon Offset Certificate ${order.id}`,
      Subject: `${tonnesOf(order.mass)} t CO2e offset for ${order.beneficiary ?? 'the buyer'}`,
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
  doc.font('Helvetica-Bold').fontSize(18).text(order.beneficiary ?? 'the buyer', { align: 'center' });
  doc.font('Helvetica').fontSize(12).text('has offset', { align: 'center' });
  doc.font('Helvetica-Bold').fontSize(18).text(`${tonnesOf(order.mass)} tonnes of CO2e`, { align: 'center' });
  doc.moveDown();
  doc.font('Helvetica').fontSize(10);
  doc.text(`Order: ${order.id}`);
  doc.text(`Date: ${order.createdAt.toISOString().slice(0, 10)}`);
  doc.text(`Total cost: ${money(order.totalCost)}`);
  if (order.estimateId) doc.text(`Emission estimate: ${order.estimateId}`);
  doc.moveDown();
  doc.font('Helvetica-Bold').fontSize(12).text('Projects');
  doc.font('Helvetica').fontSize(10);
  for (const name of new Set((order.allocations ?? []).map((a) => a.projectName ?? a.bundleName))) doc.text(`- ${name}`);
  doc.moveDown();
  doc.font('Helvetica-Bold').fontSize(12).text('Allocation');
  doc.font('Helvetica').fontSize(10);
  for (const a of order.allocations ?? []) {
    doc.text(`${a.projectName ?? 'Bundle'} (${a.bundleName}): ${a.mass.toString()} t at ${money(a.unitPrice)} per tonne = ${money(a.cost)}`);
  }
  if (retirements !== undefined) {
    doc.moveDown();
    doc.font('Helvetica-Bold').fontSize(12).text('Registry retirements');
    doc.font('Helvetica').fontSize(10);
    if (retirements === null) doc.text('The registry retirement records are not available right now.');
    else if (retirements.length === 0) doc.text('No registry retirements are recorded for this order yet.');
    for (const r of retirements ?? []) {
      const serials = r.serialization ?? '(no serial numbers)';
      doc.text(`${r.registry} ${serials}: ${r.tonnes.toString()} t for ${r.beneficiaryName ?? 'the beneficiary'}, retired ${r.retiredAt.toISOString().slice(0, 10)}`);
    }
  }
  doc.end();
  return done;
}
