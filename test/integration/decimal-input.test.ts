import { accountKey } from '../fixtures/account-key';
import { codes, gql, type GraphQLResponse } from '../helpers/graphql';
import { startTestServer, type TestServer } from '../helpers/server';

/** Decimals on the schema: JSON numbers and strings in, exact strings out, nothing rounded. */
describe('Decimal inputs and outputs', () => {
  let server: TestServer;
  let apiKey: string;
  let portfolioId: string;

  const ADD = `mutation($p: ID!, $input: TransactionInput!) {
    addTransaction(portfolioId: $p, input: $input) { quantity price fee amount ratio }
  }`;

  /** POSTs a body written by hand, so that a JSON number keeps every digit it is sent with. */
  const raw = async (body: string): Promise<GraphQLResponse> => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body,
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as GraphQLResponse['body'],
    };
  };
  const addWithInput = (inputJson: string) =>
    raw(
      `{"query": ${JSON.stringify(ADD)}, "variables": {"p": "${portfolioId}", "input": ${inputJson}}}`,
    );
  const stored = async () => {
    const response = await gql<{ portfolio: { transactions: { totalCount: number } } }>(
      server.url,
      'query($id: ID!) { portfolio(id: $id) { transactions { totalCount } } }',
      { apiKey, variables: { id: portfolioId } },
    );
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.portfolio.transactions.totalCount;
  };

  beforeAll(async () => {
    server = await startTestServer();
    apiKey = await accountKey(server);
    const created = await gql<{ createPortfolio: { id: string } }>(
      server.url,
      'mutation { createPortfolio(name: "Decimals") { id } }',
      { apiKey },
    );
    portfolioId = created.body.data!.createPortfolio.id;
  });
  afterAll(() => server.close());

  it('takes quantity: 10, price: 100 as numbers, in a literal and in variables', async () => {
    const literal = await gql<{ addTransaction: Record<string, string | null> }>(
      server.url,
      `mutation { addTransaction(portfolioId: "${portfolioId}", input: { type: DEPOSIT, date: "2024-01-02", amount: 100000 }) { amount fee } }`,
      { apiKey },
    );
    expect(literal.body.errors).toBeUndefined();
    expect(literal.body.data!.addTransaction).toEqual({ amount: '100000', fee: '0' });

    const literalBuy = await gql<{ addTransaction: Record<string, string | null> }>(
      server.url,
      `mutation { addTransaction(portfolioId: "${portfolioId}", input: { type: BUY, date: "2024-01-03", symbol: "KO", quantity: 10, price: 100, fee: 1.25 }) { quantity price fee } }`,
      { apiKey },
    );
    expect(literalBuy.body.errors).toBeUndefined();
    expect(literalBuy.body.data!.addTransaction).toEqual({
      quantity: '10',
      price: '100',
      fee: '1.25',
    });

    const variables = await addWithInput(
      '{"type": "BUY", "date": "2024-01-04", "symbol": "KO", "quantity": 2.5, "price": 61.125, "fee": 0}',
    );
    expect(variables.body.errors).toBeUndefined();
    expect(variables.body.data!.addTransaction).toMatchObject({
      quantity: '2.5',
      price: '61.125',
      fee: '0',
    });
  });

  it('keeps strings working, exactly, and keeps every digit of a literal number', async () => {
    const strings = await addWithInput(
      '{"type": "BUY", "date": "2024-01-05", "symbol": "KO", "quantity": "0.0000000001", "price": " 99999999999999999.9999999999 "}',
    );
    expect(strings.body.errors).toBeUndefined();
    // decimal.js would print the quantity as 1e-10 from toString().
    expect(strings.body.data!.addTransaction).toMatchObject({
      quantity: '0.0000000001',
      price: '99999999999999999.9999999999',
    });

    // 18 significant digits written in the document: a double would round them.
    const literal = await gql<{ addTransaction: { price: string } }>(
      server.url,
      `mutation { addTransaction(portfolioId: "${portfolioId}", input: { type: BUY, date: "2024-01-05", symbol: "KO", quantity: 1, price: 12345678.1234567891 }) { price } }`,
      { apiKey },
    );
    expect(literal.body.errors).toBeUndefined();
    expect(literal.body.data!.addTransaction.price).toBe('12345678.1234567891');
  });

  it('refuses, naming the field, what it cannot hold exactly, and stores nothing', async () => {
    const before = await stored();
    const refusals: Array<[string, RegExp]> = [
      // JSON numbers the parser may already have rounded
      [
        '"quantity": 12345678901234567890',
        /input\.quantity.*significant digits.*send it as a string/,
      ],
      ['"quantity": 0.30000000000000004', /input\.quantity.*significant digits/],
      ['"quantity": 1e21', /input\.quantity.*send it as a string/],
      ['"quantity": 1E-7', /input\.quantity.*send it as a string/],
      // strings that are not plain decimals
      ['"quantity": "1e3"', /input\.quantity.*no exponent/],
      ['"quantity": "NaN"', /input\.quantity.*NaN or Infinity/],
      ['"quantity": "Infinity"', /input\.quantity.*NaN or Infinity/],
      ['"quantity": "-Infinity"', /input\.quantity/],
      ['"quantity": true', /input\.quantity.*number or a string/],
      ['"quantity": {"n": 1}', /input\.quantity.*number or a string/],
      ['"quantity": [1]', /input\.quantity/],
      // plain decimals with more digits than the column holds: refused, never rounded
      ['"quantity": "0.12345678901"', /input\.quantity has more than 10 digits after/],
      ['"quantity": 0.12345678901', /input\.quantity has more than 10 digits after/],
      ['"quantity": "1234567890123456789"', /input\.quantity has more than 18 digits before/],
      [`"quantity": "${'9'.repeat(100_000)}"`, /input\.quantity has more than 18 digits before/],
    ];
    for (const [field, message] of refusals) {
      const response = await addWithInput(
        `{"type": "BUY", "date": "2024-01-06", "symbol": "KO", "price": 1, ${field}}`,
      );
      expect([response.status, codes(response), field]).toEqual([
        expect.any(Number),
        ['BAD_USER_INPUT'],
        field,
      ]);
      expect(response.status).toBeLessThan(500);
      expect(response.body.errors![0].message.slice(0, 300)).toMatch(message);
      expect(response.body.errors![0].message.length).toBeLessThan(1_000);
    }
    expect(await stored()).toBe(before);
  });

  it('refuses an exponent or a NaN written in the document, naming the field and pointing at it', async () => {
    const before = await stored();
    for (const value of ['1e3', '1.5E-2', 'NaN', '"Infinity"', 'true']) {
      const response = await gql(
        server.url,
        `mutation {\n  addTransaction(portfolioId: "${portfolioId}", input: { type: BUY, date: "2024-01-06", symbol: "KO", price: 1,\n    quantity: ${value} }) { quantity }\n}`,
        { apiKey },
      );
      expect([value, response.status, codes(response)]).toEqual([value, 400, ['BAD_USER_INPUT']]);
      const error = response.body.errors![0] as {
        message: string;
        locations?: unknown;
        extensions?: Record<string, unknown>;
      };
      // graphql-js' own message names the value only; the gateway names the field.
      expect(error.message).toMatch(/^input\.quantity: Expected value of type "Decimal"/);
      expect(error.extensions?.argument).toBe('input.quantity');
      expect(error.locations).toEqual([{ line: 3, column: 15 }]);
    }
    expect(await stored()).toBe(before);
  });
});
