import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { SECURITY_EVENT_KINDS, type SecurityEventKind } from '../domain/security-events';
import { PageInfoType } from './transaction-connection.type';

/** The kinds of security events, as a GraphQL enum. */
export const SecurityEventKindEnum = Object.fromEntries(
  SECURITY_EVENT_KINDS.map((kind) => [kind, kind]),
) as { [K in SecurityEventKind]: K };

registerEnumType(SecurityEventKindEnum, {
  name: 'SecurityEventKind',
  description: 'What a security event records (docs/security.md).',
});

@ObjectType('SecurityEvent', { description: 'A recorded security event (administrators).' })
export class SecurityEventType {
  @Field(() => ID, { description: 'Also the cursor of the event.' })
  id!: string;
  @Field(() => SecurityEventKindEnum)
  kind!: SecurityEventKind;
  @Field(() => Date)
  occurredAt!: Date;
  @Field(() => String, { nullable: true, description: 'The client address.' })
  ip!: string | null;
  @Field(() => ID, { nullable: true })
  apiKeyId!: string | null;
  @Field(() => ID, { nullable: true })
  userId!: string | null;
  @Field(() => String, { description: 'What else is known, as a JSON object.' })
  detail!: string;
}

@ObjectType('SecurityEventConnection', {
  description: 'One page of security events, newest first.',
})
export class SecurityEventConnectionType {
  @Field(() => [SecurityEventType])
  nodes!: SecurityEventType[];
  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}
