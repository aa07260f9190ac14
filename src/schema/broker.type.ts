import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DecimalScalar } from './decimal.scalar';

export enum BrokerEnum {
  KITE = 'KITE',
  UPSTOX = 'UPSTOX',
}
registerEnumType(BrokerEnum, {
  name: 'Broker',
  description:
    'Brokers a portfolio can be synced with. KITE: Zerodha Kite Connect. UPSTOX: Upstox API v2.',
});

export enum BrokerConnectionStatusEnum {
  PENDING = 'PENDING',
  CONNECTED = 'CONNECTED',
  RECONNECT = 'RECONNECT',
  DISCONNECTED = 'DISCONNECTED',
}
registerEnumType(BrokerConnectionStatusEnum, {
  name: 'BrokerConnectionStatus',
  description:
    "PENDING: sign-in started, not completed. CONNECTED: syncBroker works. RECONNECT: the broker's session expired or was refused; sign in again with connectBroker. DISCONNECTED: the token was wiped by disconnectBroker.",
});

@ObjectType('BrokerConnection', {
  description: 'A link from one of your portfolios to a broker account. The token is never shown.',
})
export class BrokerConnectionType {
  @Field(() => ID)
  id!: string;
  @Field(() => BrokerEnum)
  broker!: BrokerEnum;
  @Field(() => ID)
  portfolioId!: string;
  @Field(() => BrokerConnectionStatusEnum)
  status!: BrokerConnectionStatusEnum;
  @Field(() => String, { nullable: true, description: "The broker's id of the account." })
  brokerUserId!: string | null;
  @Field(() => Date, { nullable: true, description: "When the broker's session expires." })
  tokenExpiresAt!: Date | null;
  @Field(() => Date, { nullable: true })
  lastSyncedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'What went wrong last, if anything.' })
  lastError!: string | null;
  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('BrokerConnectStart')
export class BrokerConnectStartType {
  @Field(() => BrokerConnectionType)
  connection!: BrokerConnectionType;
  @Field(() => String, {
    description:
      "Send the user here. The broker redirects to your app's redirect URL with the request token (Kite: request_token; Upstox: code) and `state`; pass both to completeBrokerConnection within 10 minutes.",
  })
  loginUrl!: string;
}

@ObjectType('BrokerSyncError')
export class BrokerSyncErrorType {
  @Field(() => String)
  message!: string;
}

@ObjectType('BrokerDifference', {
  description:
    "A symbol whose quantity at the broker (holdings plus the day's net positions) differs from the ledger's open quantity.",
})
export class BrokerDifferenceType {
  @Field(() => String)
  symbol!: string;
  @Field(() => DecimalScalar)
  brokerQuantity!: string;
  @Field(() => DecimalScalar)
  ledgerQuantity!: string;
}

@ObjectType('BrokerSyncResult')
export class BrokerSyncResultType {
  @Field(() => Int, { description: 'Entries written to the ledger.' })
  imported!: number;
  @Field(() => Int, {
    description: 'Trades the ledger already held (by trade id): not written again.',
  })
  alreadyImported!: number;
  @Field(() => Int, { description: 'Entries or instruments not imported; each is in errors.' })
  skipped!: number;
  @Field(() => [BrokerSyncErrorType])
  errors!: BrokerSyncErrorType[];
  @Field(() => [BrokerDifferenceType])
  differences!: BrokerDifferenceType[];
  @Field(() => BrokerConnectionType)
  connection!: BrokerConnectionType;
}
