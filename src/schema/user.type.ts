import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { PlanName } from '../domain/plans';
import { PlanNameEnum } from './plan.type';

/** GraphQL enum of account roles. */
export enum RoleEnum {
  USER = 'USER',
  ADMIN = 'ADMIN',
}
registerEnumType(RoleEnum, { name: 'Role', description: 'What an account may administer.' });

/** The authenticated account. */
@ObjectType('User', { description: 'An account.' })
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  email!: string;

  @Field(() => PlanNameEnum)
  plan!: PlanName;

  @Field(() => RoleEnum)
  role!: 'USER' | 'ADMIN';

  @Field(() => Date)
  createdAt!: Date;
}
