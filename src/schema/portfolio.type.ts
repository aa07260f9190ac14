import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CompanyType } from './company.type';
import { DateScalar } from './date.scalar';
import { DecimalScalar } from './decimal.scalar';
import { QuoteType } from './quote.type';

export enum TransactionTypeEnum {
  BUY = 'BUY',
  SELL = 'SELL',
  DIVIDEND = 'DIVIDEND',
  SPLIT = 'SPLIT',
  DEPOSIT = 'DEPOSIT',
  WITHDRAWAL = 'WITHDRAWAL',
  FEE = 'FEE',
}
registerEnumType(TransactionTypeEnum, {
  name: 'TransactionType',
  description: 'Ledger entry types.',
});

export enum ImportFormatEnum {
  GENERIC = 'GENERIC',
  ZERODHA_TRADEBOOK = 'ZERODHA_TRADEBOOK',
  ZERODHA_HOLDINGS = 'ZERODHA_HOLDINGS',
}
registerEnumType(ImportFormatEnum, {
  name: 'ImportFormat',
  description:
    'GENERIC: header date,type,symbol,quantity,price,fee,amount,ratio,note (any order). ZERODHA_TRADEBOOK: Console tradebook (symbol, trade_date, trade_type, quantity, price). ZERODHA_HOLDINGS: Console holdings (Instrument, Qty., Avg. cost), imported as buys dated today.',
});

export enum AllocationByEnum {
  SYMBOL = 'SYMBOL',
  SECTOR = 'SECTOR',
  COUNTRY = 'COUNTRY',
  CURRENCY = 'CURRENCY',
}
registerEnumType(AllocationByEnum, { name: 'AllocationBy' });

@InputType('TransactionInput', {
  description:
    'BUY/SELL: symbol, quantity, price, fee. DIVIDEND: symbol, amount (cash received). SPLIT: symbol, ratio. DEPOSIT/WITHDRAWAL/FEE: amount. Decimals are JSON numbers (10, 12.5) or strings ("12.5"), kept exactly.',
})
export class TransactionInput {
  @Field(() => TransactionTypeEnum)
  type!: TransactionTypeEnum;
  @Field(() => DateScalar)
  date!: string;
  @Field(() => String, { nullable: true })
  symbol?: string;
  @Field(() => DecimalScalar, { nullable: true })
  quantity?: string;
  @Field(() => DecimalScalar, { nullable: true })
  price?: string;
  @Field(() => DecimalScalar, { nullable: true })
  fee?: string;
  @Field(() => DecimalScalar, { nullable: true })
  amount?: string;
  @Field(() => DecimalScalar, { nullable: true })
  ratio?: string;
  @Field(() => String, { nullable: true })
  note?: string;
}

@ObjectType('Transaction', {
  description: 'A ledger entry. Decimals are exact, answered as strings.',
})
export class TransactionType {
  @Field(() => ID)
  id!: string;
  @Field(() => TransactionTypeEnum)
  type!: TransactionTypeEnum;
  @Field(() => DateScalar)
  date!: string;
  @Field(() => String, { nullable: true })
  symbol!: string | null;
  @Field(() => DecimalScalar, { nullable: true })
  quantity!: string | null;
  @Field(() => DecimalScalar, { nullable: true })
  price!: string | null;
  @Field(() => DecimalScalar)
  fee!: string;
  @Field(() => DecimalScalar, { nullable: true })
  amount!: string | null;
  @Field(() => DecimalScalar, { nullable: true })
  ratio!: string | null;
  @Field(() => String, { nullable: true })
  note!: string | null;
}

@ObjectType('HoldingLocalValues', {
  description: "A holding's money in its listing currency (what the exchange quotes).",
})
export class HoldingLocalValuesType {
  @Field({ description: 'ISO 4217 code of the listing currency.' })
  currency!: string;
  @Field(() => Float, { description: 'costBasis / quantity.' })
  averageCost!: number;
  @Field(() => Float, { description: 'Cost of the open lots, buy fees included.' })
  costBasis!: number;
  @Field(() => Float, { nullable: true, description: 'quantity × quote price.' })
  marketValue!: number | null;
  @Field(() => Float, { nullable: true, description: 'marketValue − costBasis.' })
  unrealizedPnl!: number | null;
  @Field(() => Float, { nullable: true, description: "quantity × the quote's change today." })
  dayChange!: number | null;
}

@ObjectType('Holding', {
  description:
    "An open position (FIFO lots). Money in the portfolio's baseCurrency: cost at each lot's buy-date FX rate, market value at today's; `local` has the listing currency's values.",
})
export class HoldingType {
  @Field()
  symbol!: string;
  @Field(() => CompanyType, { nullable: true })
  company?: CompanyType | null;
  @Field(() => Float)
  quantity!: number;
  @Field({ description: 'ISO 4217 code of the listing currency.' })
  currency!: string;
  @Field(() => Float, {
    description:
      'Units of baseCurrency for one unit of the listing currency, today (1 when equal).',
  })
  fxRate!: number;
  @Field(() => Float, { description: 'costBasis / quantity.' })
  averageCost!: number;
  @Field(() => Float, {
    description: "Cost of the open lots, buy fees included, each at its buy date's rate.",
  })
  costBasis!: number;
  @Field(() => QuoteType, { nullable: true })
  quote!: QuoteType | null;
  @Field(() => Float, { nullable: true, description: "quantity × quote price × today's rate." })
  marketValue!: number | null;
  @Field(() => Float, { nullable: true, description: 'marketValue − costBasis.' })
  unrealizedPnl!: number | null;
  @Field(() => Float, {
    nullable: true,
    description:
      "The currency's part of unrealizedPnl: the local cost at today's rate − at the buys' rates. The price's part is unrealizedPnl − this.",
  })
  unrealizedFxPnl!: number | null;
  @Field(() => Float, { nullable: true, description: 'unrealizedPnl / costBasis (fraction).' })
  unrealizedPnlPercent!: number | null;
  @Field(() => Float, { nullable: true, description: "marketValue / all holdings' market value." })
  weight!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: "quantity × the quote's change today, at today's rate.",
  })
  dayChange!: number | null;
  @Field(() => HoldingLocalValuesType)
  local!: HoldingLocalValuesType;
}

@ObjectType('PortfolioValuation', {
  description:
    "In the portfolio's baseCurrency: every entry converted at its date's FX rate (DEPOSIT, WITHDRAWAL and FEE amounts are in baseCurrency already), holdings at today's.",
})
export class PortfolioValuationType {
  @Field(() => Float)
  marketValue!: number;
  @Field(() => Float)
  costBasis!: number;
  @Field(() => Float, { description: 'Deposits − withdrawals − buys + sells + dividends − fees.' })
  cash!: number;
  @Field(() => Float)
  unrealizedPnl!: number;
  @Field(() => Float, { description: 'Sell proceeds (net of fees) − FIFO cost of the lots sold.' })
  realizedPnl!: number;
  @Field(() => Float)
  dividendsReceived!: number;
  @Field(() => Float, {
    description: 'unrealizedPnl + realizedPnl + dividendsReceived − FEE entries.',
  })
  totalReturn!: number;
  @Field(() => Float, {
    nullable: true,
    description: 'totalReturn / everything paid for buys (fees included).',
  })
  totalReturnPercent!: number | null;
  @Field(() => Float, {
    description:
      "The currency's part of totalReturn: Σ holdings' unrealizedFxPnl + the FX part of realized P&L (lots sold, at the sell's rate − at their buys'). 0 when every holding is listed in baseCurrency.",
  })
  currencyPnl!: number;
  @Field(() => Float)
  dayChange!: number;
  @Field(() => Float, { nullable: true, description: 'dayChange / (marketValue − dayChange).' })
  dayChangePercent!: number | null;
  @Field({ description: 'Time of the latest quote used.' })
  asOf!: Date;
}

@ObjectType('AllocationSlice')
export class AllocationSliceType {
  @Field({ description: 'Symbol, sector or country.' })
  key!: string;
  @Field(() => Float)
  marketValue!: number;
  @Field(() => Float, { nullable: true })
  weight!: number | null;
}

@ObjectType('HoldingIncome')
export class HoldingIncomeType {
  @Field()
  symbol!: string;
  @Field(() => Float, { description: 'Dividends per share with ex-date in the last 365 days.' })
  ttmDividendPerShare!: number;
  @Field(() => Float, { description: 'ttmDividendPerShare × quantity.' })
  forwardAnnualIncome!: number;
  @Field(() => Float, { nullable: true })
  yieldOnCost!: number | null;
  @Field(() => Float, { nullable: true })
  currentYield!: number | null;
}

@ObjectType('Income')
export class IncomeType {
  @Field(() => Float, { description: 'Σ TTM dividends per share × quantity.' })
  forwardAnnualIncome!: number;
  @Field(() => Float, { nullable: true, description: 'forwardAnnualIncome / costBasis.' })
  yieldOnCost!: number | null;
  @Field(() => Float, { nullable: true, description: 'forwardAnnualIncome / marketValue.' })
  currentYield!: number | null;
  @Field(() => Float)
  dividendsReceived!: number;
  @Field(() => [HoldingIncomeType])
  holdings!: HoldingIncomeType[];
}

@ObjectType('Risk', {
  description:
    "Of today's holdings, weighted by market value, over the last 252 daily returns they all have.",
})
export class RiskType {
  @Field(() => Float, {
    nullable: true,
    description: 'Sample std of the weighted daily returns × √252.',
  })
  volatility!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: 'cov / var of the weighted daily returns vs SPY.',
  })
  beta!: number | null;
  @Field(() => [String], { description: 'Row and column order of correlations.' })
  symbols!: string[];
  @Field(() => [[Float]], {
    nullable: 'items',
    description: 'Pearson correlations of daily returns; null where undefined.',
  })
  correlations!: Array<Array<number | null>>;
}

@ObjectType('ImportError')
export class ImportErrorType {
  @Field(() => Int, { description: '1-based line of the CSV.' })
  line!: number;
  @Field()
  message!: string;
}

@ObjectType('ImportResult')
export class ImportResultType {
  @Field(() => Int)
  imported!: number;
  @Field(() => Int)
  skipped!: number;
  @Field(() => [ImportErrorType])
  errors!: ImportErrorType[];
  @Field()
  dryRun!: boolean;
}

@ObjectType('LedgerProblem', {
  description:
    "Where a portfolio's stored ledger stops replaying (an entry changed or removed outside the API). Holdings, valuation and analytics answer BAD_USER_INPUT with reason LEDGER_DOES_NOT_REPLAY until the entry is deleted or corrected.",
})
export class LedgerProblemType {
  @Field(() => ID)
  transactionId!: string;
  @Field(() => DateScalar)
  date!: string;
  @Field()
  message!: string;
}

@ObjectType('Portfolio')
export class PortfolioType {
  @Field(() => ID)
  id!: string;
  @Field()
  name!: string;
  @Field({
    description:
      'ISO 4217 code every value is shown in; holdings listed in another currency are converted at daily FX rates.',
  })
  baseCurrency!: string;
  @Field()
  createdAt!: Date;
}
