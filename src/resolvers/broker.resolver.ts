import { Arg, Authorized, Ctx, Extensions, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context';
import { ARGUMENT_LIMITS as LIMITS } from '../domain/argument-limits';
import { RateLimit } from '../schema/rate-limit.decorator';
import {
  BrokerConnectionType,
  BrokerConnectStartType,
  BrokerEnum,
  BrokerSyncResultType,
} from '../schema/broker.type';

/** Broker sync (README "Broker sync"): the caller's own connections only. */
@Resolver()
export class BrokerResolver {
  @Authorized('read:portfolio')
  @Query(() => [BrokerConnectionType], { description: 'Your broker connections.' })
  brokerConnections(@Ctx() ctx: Context) {
    return ctx.services.brokers.list(requireViewer(ctx));
  }

  @Authorized('write:portfolio')
  @Mutation(() => BrokerConnectStartType, {
    description:
      'Starts linking one of your portfolios to a broker: returns the login URL to send the user to (also how a RECONNECT connection signs in again).',
  })
  connectBroker(
    @Arg('broker', () => BrokerEnum) broker: BrokerEnum,
    @Arg('portfolioId', () => ID) portfolioId: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.brokers.connect(requireViewer(ctx), broker, portfolioId);
  }

  @Authorized('write:portfolio')
  @Mutation(() => BrokerConnectionType, {
    description:
      "Completes a sign-in with the broker redirect's state and request token (Kite: request_token; Upstox: code). A state is single use and valid 10 minutes.",
  })
  @Extensions({ bounds: { state: LIMITS.brokerState, requestToken: LIMITS.brokerCode } })
  completeBrokerConnection(
    @Arg('broker', () => BrokerEnum) broker: BrokerEnum,
    @Arg('state', () => String) state: string,
    @Arg('requestToken', () => String) requestToken: string,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.brokers.complete(requireViewer(ctx), broker, state, requestToken);
  }

  @Authorized('write:portfolio')
  @RateLimit('syncBroker')
  @Mutation(() => BrokerSyncResultType, {
    description:
      "Imports the broker's day trades (and, on the first sync, its holdings) into the portfolio's ledger, once per trade id, and reports differences from the broker's holdings.",
  })
  syncBroker(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.brokers.sync(requireViewer(ctx), id, ctx.marketData);
  }

  @Authorized('write:portfolio')
  @Mutation(() => Boolean, {
    description: 'Wipes the stored broker token; the connection stays, DISCONNECTED.',
  })
  disconnectBroker(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return ctx.services.brokers.disconnect(requireViewer(ctx), id);
  }
}
