import { Field, Int, ObjectType } from 'type-graphql';
import { TransactionType } from './portfolio.type';

@ObjectType('PageInfo', { description: 'Where a page of a list ends.' })
export class PageInfoType {
  @Field({ description: 'True when entries follow this page.' })
  hasNextPage!: boolean;
  @Field(() => String, {
    nullable: true,
    description: "The last entry's cursor: pass it as `after` for the next page.",
  })
  endCursor!: string | null;
}

@ObjectType('TransactionEdge')
export class TransactionEdgeType {
  @Field({ description: 'Opaque position of this entry in the ledger.' })
  cursor!: string;
  @Field(() => TransactionType)
  node!: TransactionType;
}

@ObjectType('TransactionConnection', {
  description: 'One page of a ledger, by date then entry order.',
})
export class TransactionConnectionType {
  @Field(() => [TransactionEdgeType])
  edges!: TransactionEdgeType[];
  @Field(() => [TransactionType], { description: 'The entries of the page (the edges’ nodes).' })
  nodes!: TransactionType[];
  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
  @Field(() => Int, { description: 'Entries in the whole ledger.' })
  totalCount!: number;
}
